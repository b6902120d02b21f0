/**
 * What the CLI tells a person when it stops: one line saying what is wrong,
 * where, and what to do, and an exit code scripts can rely on:
 * 0 success, 1 data problems (bad file, unknown ticket, unreachable store), 2 usage errors.
 */
export const EXIT_OK = 0
export const EXIT_DATA = 1
export const EXIT_USAGE = 2

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message)
    this.name = 'CliError'
  }
}

/** The command line itself is wrong (unknown option, missing argument): exit 2. */
export const usageError = (message: string): CliError => new CliError(message, EXIT_USAGE)
/** The data is wrong or unreachable (file, store, ticket id, policy): exit 1. */
export const dataError = (message: string): CliError => new CliError(message, EXIT_DATA)

/**
 * Why a file could not be written, in plain words (Node's own text names the
 * syscall and, for a file written under a temporary name, that name).
 */
export const whyNotWritten = (err: unknown): string => {
  switch ((err as NodeJS.ErrnoException | null)?.code) {
    case 'ENOENT':
      return 'no such directory'
    case 'ENOTDIR':
      return 'a part of the path is not a directory'
    case 'EISDIR':
      return 'it is a directory'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EROFS':
      return 'the file system is read-only'
    case 'ENOSPC':
      return 'no space left on the device'
    case 'EDQUOT':
      return 'disk quota exceeded'
    default:
      return err instanceof Error ? err.message : String(err)
  }
}
