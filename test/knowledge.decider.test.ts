import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import type { IsoInstant } from '../src/domain/codec.js'
import { instantMs, toInstant } from '../src/domain/codec.js'
import type { KnowledgeCommand } from '../src/domain/commands.js'
import type { Fact } from '../src/domain/envelope.js'
import type { KnowledgeEvent, OrganizationEvent } from '../src/domain/events.js'
import { checkKnowledgeHistory, knowledgeDecider } from '../src/domain/knowledge.js'
import { organizationAsOf } from '../src/domain/organization.js'
import { type Actor, SYSTEM } from '../src/domain/vocabulary.js'
import { acceptedHistoriesFoldAndCheck } from './support/decider-properties.js'
import { given } from './support/given.js'
import { AGENT, actorOf, contextAt, NOW, orgFacts, USER, WS } from './support/org-events.js'

const ARTICLE = 'kb-vpn-001'
const assistance = actorOf(AGENT.assistLyon)
const technician = actorOf(AGENT.networkTech)
const expert = actorOf(AGENT.expertBusinessNetwork)
const manager = actorOf(AGENT.managerParis)
const minutes = (n: number) => toInstant(instantMs(NOW) + n * 60_000)
const ctx = (actor: Actor = assistance, now: IsoInstant = NOW) => contextAt(actor, now)

const publishedData = {
  articleId: ARTICLE,
  title: 'Le VPN refuse la connexion après changement de mot de passe',
  domain: 'network' as const,
  workstationTypes: [WS.windows, WS.mac],
  body: 'Supprimer le profil VPN enregistré, puis se reconnecter avec le nouveau mot de passe.',
}
const publish = (
  over: Partial<Omit<Extract<KnowledgeCommand, { type: 'PublishKnowledgeArticle' }>, 'type'>> = {},
) => ({ type: 'PublishKnowledgeArticle', ...publishedData, ...over }) as const
const revise = (body: string, articleId = ARTICLE) =>
  ({ type: 'ReviseKnowledgeArticle', articleId, body }) as const

const published: Fact<KnowledgeEvent> = {
  type: 'KnowledgeArticlePublished',
  data: publishedData,
  at: NOW,
  actor: expert,
}
const article = (extra: readonly Fact<KnowledgeEvent>[] = []) =>
  given(knowledgeDecider, [published, ...extra])

describe('publishing an article', () => {
  it('is how level-1 staff enrich the knowledge base', () => {
    for (const actor of [assistance, technician])
      given(knowledgeDecider, [])
        .when(publish(), ctx(actor))
        .then([{ type: 'KnowledgeArticlePublished', data: publishedData }])
  })

  it('is open to experts too', () => {
    given(knowledgeDecider, [])
      .when(publish(), ctx(expert))
      .then([{ type: 'KnowledgeArticlePublished', data: publishedData }])
  })

  it('is not for managers, users or the system', () => {
    for (const actor of [manager, { id: USER.alice, role: 'user' } as const, SYSTEM])
      given(knowledgeDecider, []).when(publish(), ctx(actor)).thenRejects('RoleNotAllowed')
  })

  it('is for enrolled, active agents', () => {
    given(knowledgeDecider, [])
      .when(publish(), ctx({ id: 'ghost', role: 'assistance' }))
      .thenRejects('ActorNotEnrolled')
    given(knowledgeDecider, [])
      .when(publish(), ctx(actorOf(AGENT.officeTechLyonRetired)))
      .thenRejects('ActorRetired')
  })

  it('happens once', () => {
    article().when(publish(), ctx()).thenRejects('KnowledgeArticleAlreadyPublished')
  })

  it('needs a title and a body', () => {
    given(knowledgeDecider, [])
      .when(publish({ title: '  ' }), ctx())
      .thenRejects('BlankField')
    given(knowledgeDecider, [])
      .when(publish({ body: '' }), ctx())
      .thenRejects('BlankField')
  })

  it('applies to defined workstation types, or to all when none is named', () => {
    given(knowledgeDecider, [])
      .when(publish({ workstationTypes: [WS.windows, 'amiga'] }), ctx())
      .thenRejects('UnknownWorkstationType')
    given(knowledgeDecider, [])
      .when(publish({ workstationTypes: [] }), ctx())
      .then([{ type: 'KnowledgeArticlePublished', data: { ...publishedData, workstationTypes: [] } }])
  })
})

describe('revising an article', () => {
  const body = 'Depuis la version 5.2 du client, il suffit de choisir « Oublier les identifiants ».'

  it('replaces the body of a published article, by level 1 or experts', () => {
    for (const actor of [assistance, technician, expert])
      article()
        .when(revise(body), ctx(actor, minutes(5)))
        .then([{ type: 'KnowledgeArticleRevised', data: { body } }])
  })

  it('is not for managers', () => {
    article().when(revise(body), ctx(manager)).thenRejects('RoleNotAllowed')
  })

  it('needs a published article, this one', () => {
    given(knowledgeDecider, []).when(revise(body), ctx()).thenRejects('KnowledgeArticleNotPublished')
    article().when(revise(body, 'kb-other'), ctx()).thenRejects('ArticleMismatch')
  })

  it('needs a new, non-blank body', () => {
    article().when(revise(' \n '), ctx()).thenRejects('BlankField')
    article().when(revise(publishedData.body), ctx()).thenRejects('RevisionUnchanged')
  })

  it('never goes back in time', () => {
    article()
      .when(revise(body), ctx(assistance, minutes(-1)))
      .thenRejects('TimeWentBackwards')
  })

  it('keeps the latest body and counts revisions', () => {
    const s = article([
      { type: 'KnowledgeArticleRevised', data: { body: 'v2' }, at: minutes(1), actor: assistance },
      { type: 'KnowledgeArticleRevised', data: { body: 'v3' }, at: minutes(2), actor: expert },
    ]).when(revise('v4'), ctx(assistance, minutes(3))).state
    expect(s).toMatchObject({
      status: 'published',
      body: 'v3',
      revisions: 2,
      publishedAt: NOW,
      lastAt: minutes(2),
    })
  })
})

describe('re-checking a recorded knowledge stream', () => {
  const orgAt = organizationAsOf(orgFacts)
  const revised: Fact<KnowledgeEvent> = {
    type: 'KnowledgeArticleRevised',
    data: { body: 'v2' },
    at: minutes(10),
    actor: assistance,
  }

  it('accepts a history the decider would have written', () => {
    expect(checkKnowledgeHistory([published, revised], orgAt)).toEqual([])
  })

  it('flags every offending event', () => {
    const problems = checkKnowledgeHistory(
      [
        revised,
        { ...published, at: minutes(20) },
        { ...revised, at: minutes(15) },
        { ...revised, at: minutes(30), actor: manager },
        { ...revised, at: minutes(40) },
        { ...published, at: minutes(50) },
      ],
      orgAt,
    )
    expect(problems.map((p) => [p.index, p.error._tag])).toEqual([
      [0, 'KnowledgeArticleNotPublished'],
      [2, 'TimeWentBackwards'],
      [3, 'RoleNotAllowed'],
      [4, 'RevisionUnchanged'],
      [5, 'KnowledgeArticleAlreadyPublished'],
    ])
  })

  it('judges authors by the organisation as it stood then', () => {
    const retiredLater = organizationAsOf([
      ...orgFacts,
      { type: 'AgentRetired', data: { agentId: AGENT.assistLyon }, at: minutes(60), actor: manager },
    ] as Fact<OrganizationEvent>[])
    expect(checkKnowledgeHistory([published, revised], retiredLater)).toEqual([])
    expect(
      checkKnowledgeHistory([published, { ...revised, at: minutes(61) }], retiredLater).map(
        (p) => p.error._tag,
      ),
    ).toEqual(['ActorRetired'])
  })
})

// ---- properties over random command sequences -------------------------------

const ACTORS: readonly Actor[] = [
  assistance,
  technician,
  expert,
  manager,
  actorOf(AGENT.officeTechLyonRetired),
  { id: USER.david, role: 'user' },
]
const arbCommand: fc.Arbitrary<KnowledgeCommand> = fc.oneof(
  fc.record({
    type: fc.constant('PublishKnowledgeArticle' as const),
    articleId: fc.constant(ARTICLE),
    title: fc.constantFrom('Imprimante hors ligne', ''),
    domain: fc.constantFrom('office' as const, 'network' as const),
    workstationTypes: fc.uniqueArray(fc.constantFrom(WS.windows, WS.thin, 'amiga'), { maxLength: 2 }),
    body: fc.constantFrom('Redémarrer le spouleur.', 'Vérifier le câble.', ''),
  }),
  {
    arbitrary: fc.record({
      type: fc.constant('ReviseKnowledgeArticle' as const),
      articleId: fc.constantFrom(ARTICLE, ARTICLE, 'kb-other'),
      body: fc.constantFrom('Redémarrer le spouleur.', 'Vérifier le câble.', 'Mettre à jour le pilote.', ' '),
    }),
    weight: 3,
  },
)
describe('properties of the knowledge decider', () => {
  it('folding the same accepted history twice gives equal states, and the re-check accepts it', () => {
    const accepted = acceptedHistoriesFoldAndCheck({
      decider: knowledgeDecider,
      check: checkKnowledgeHistory,
      command: arbCommand,
      actors: ACTORS,
    })
    expect(accepted.KnowledgeArticlePublished).toBeGreaterThan(10)
    expect(accepted.KnowledgeArticleRevised).toBeGreaterThan(10)
  })
})
