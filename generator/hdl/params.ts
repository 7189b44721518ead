/**
 * Configuration errors of generators (a queue of depth 0, a bus width the
 * protocol does not allow): BAD PARAMETER, at the line that configured the
 * block (a library's own lines are skipped, see source.ts).
 */
import { ElaborationError } from './errors';
import { callerLoc, locToString } from './source';

/** A BAD PARAMETER error for a generator's knob, located at the user's line; `throw badParameter(...)`. */
export function badParameter(detail: string, signal?: string): ElaborationError {
  return new ElaborationError('BAD PARAMETER', detail, signal, locToString(callerLoc()));
}
