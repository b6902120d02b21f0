/**
 * The `knowledge-<articleId>` stream: an article of the knowledge base (a
 * known problem's solution, a technical procedure). Level-1 staff enrich the
 * knowledge base (domain.md §1); experts, who advise level 1, may publish and
 * revise articles too. Managers and users may not. Authors must be active
 * enrolled agents with the role they act in.
 */
import { type Either, left, right } from 'fp-ts/lib/Either.js'
import type { IsoInstant } from './codec.js'
import type { KnowledgeCommand } from './commands.js'
import { type Decided, type Decider, type DomainError, domainError } from './decider.js'
import type { Fact } from './envelope.js'
import type { EventData, KnowledgeEvent } from './events.js'
import {
  checkActingAgent,
  checkNotBlank,
  checkTimeForward,
  firstError,
  type HistoryProblem,
} from './organization.js'
import type { OrganizationView } from './organization-view.js'
import { type Actor, L1_ROLES, type Role, type SupportDomain } from './vocabulary.js'

export type KnowledgeState =
  | { readonly status: 'none' }
  | {
      readonly status: 'published'
      readonly articleId: string
      readonly title: string
      readonly domain: SupportDomain
      /** Empty: the article applies whatever the workstation type. */
      readonly workstationTypes: readonly string[]
      readonly body: string
      readonly publishedAt: IsoInstant
      readonly revisions: number
      readonly lastAt: IsoInstant
    }

export const initialKnowledgeState: KnowledgeState = { status: 'none' }

/** Who writes the knowledge base: level 1 and experts. */
export const KNOWLEDGE_AUTHOR_ROLES: readonly Role[] = [...L1_ROLES, 'expert']

export const evolveKnowledge = (s: KnowledgeState, e: Fact<KnowledgeEvent>): KnowledgeState => {
  switch (e.type) {
    case 'KnowledgeArticlePublished':
      return {
        status: 'published',
        ...e.data,
        publishedAt: e.at,
        revisions: 0,
        lastAt: e.at,
      }
    case 'KnowledgeArticleRevised':
      return s.status === 'none' ? s : { ...s, body: e.data.body, revisions: s.revisions + 1, lastAt: e.at }
    default:
      return assertNever(e)
  }
}

const assertNever = (x: never): never => {
  throw new Error(`unexpected knowledge event ${JSON.stringify(x)}`)
}

// ---- rules (shared by decide and the history re-check) ---------------------

type Check = DomainError | undefined

const checkPublication = (
  s: KnowledgeState,
  org: OrganizationView,
  actor: Actor,
  d: EventData<'KnowledgeArticlePublished'>,
): Check => {
  const doing = `publish knowledge article ${d.articleId}`
  return firstError(
    () => checkActingAgent(org, actor, KNOWLEDGE_AUTHOR_ROLES, doing),
    () =>
      s.status === 'none'
        ? undefined
        : domainError(
            'KnowledgeArticleAlreadyPublished',
            `Knowledge article ${d.articleId} cannot be published: it already was, at ${s.publishedAt}; revise it instead.`,
          ),
    () => checkNotBlank(doing, { articleId: d.articleId, title: d.title, body: d.body }),
    () => {
      for (const w of d.workstationTypes)
        if (!org.workstationTypes.has(w))
          return domainError(
            'UnknownWorkstationType',
            `Cannot ${doing}: workstation type ${JSON.stringify(w)} is not defined.`,
          )
      return undefined
    },
  )
}

const checkRevision = (
  s: KnowledgeState,
  org: OrganizationView,
  actor: Actor,
  articleId: string,
  d: EventData<'KnowledgeArticleRevised'>,
): Check => {
  const doing = `revise knowledge article ${articleId}`
  return firstError(
    () => checkActingAgent(org, actor, KNOWLEDGE_AUTHOR_ROLES, doing),
    () => {
      if (s.status === 'none')
        return domainError(
          'KnowledgeArticleNotPublished',
          `Cannot ${doing}: the article has not been published.`,
        )
      if (s.articleId !== articleId)
        return domainError(
          'ArticleMismatch',
          `Cannot ${doing}: this stream records knowledge article ${s.articleId}, not ${articleId}.`,
        )
      return undefined
    },
    () => checkNotBlank(doing, { body: d.body }),
    () =>
      s.status === 'published' && s.body === d.body
        ? domainError('RevisionUnchanged', `Cannot ${doing}: the new body is the same as the current one.`)
        : undefined,
  )
}

const lastAtOf = (s: KnowledgeState): IsoInstant | undefined => (s.status === 'none' ? undefined : s.lastAt)

// ---- decide ----------------------------------------------------------------

export const decideKnowledge: Decider<KnowledgeCommand, KnowledgeEvent, KnowledgeState>['decide'] = (
  c,
  s,
  ctx,
): Either<DomainError, readonly Decided<KnowledgeEvent>[]> => {
  const late = checkTimeForward(lastAtOf(s), ctx.now, `Knowledge article ${c.articleId}`)
  switch (c.type) {
    case 'PublishKnowledgeArticle': {
      const data = {
        articleId: c.articleId,
        title: c.title,
        domain: c.domain,
        workstationTypes: [...c.workstationTypes],
        body: c.body,
      }
      const error = late ?? checkPublication(s, ctx.organization, ctx.actor, data)
      return error === undefined ? right([{ type: 'KnowledgeArticlePublished', data }]) : left(error)
    }
    case 'ReviseKnowledgeArticle': {
      const data = { body: c.body }
      const error = late ?? checkRevision(s, ctx.organization, ctx.actor, c.articleId, data)
      return error === undefined ? right([{ type: 'KnowledgeArticleRevised', data }]) : left(error)
    }
    default:
      return assertNever(c)
  }
}

export const knowledgeDecider: Decider<KnowledgeCommand, KnowledgeEvent, KnowledgeState> = {
  initialState: initialKnowledgeState,
  evolve: evolveKnowledge,
  decide: decideKnowledge,
}

// ---- re-check of a recorded stream -----------------------------------------

/**
 * Re-check a recorded `knowledge-<id>` stream from its events alone and the
 * organisation as it stood at each event (`orgAt`): published first and once,
 * by an active level-1 agent or expert, with a title, a body and defined
 * workstation types; revisions of a published article, with a new non-blank
 * body; time never goes backwards. Every offending event is reported.
 */
export const checkKnowledgeHistory = (
  facts: readonly Fact<KnowledgeEvent>[],
  orgAt: (at: IsoInstant) => OrganizationView,
): readonly HistoryProblem[] => {
  const problems: HistoryProblem[] = []
  let s: KnowledgeState = initialKnowledgeState
  facts.forEach((f, index) => {
    const org = orgAt(f.at)
    const articleId = s.status === 'none' ? '(unpublished)' : s.articleId
    const error = firstError(
      () => checkTimeForward(facts[index - 1]?.at, f.at, `Knowledge article ${articleId}`),
      () =>
        f.type === 'KnowledgeArticlePublished'
          ? checkPublication(s, org, f.actor, f.data)
          : checkRevision(s, org, f.actor, articleId, f.data),
    )
    if (error !== undefined) problems.push({ index, error })
    s = evolveKnowledge(s, f)
  })
  return problems
}
