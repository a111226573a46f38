import { JsonTooDeepError, parseBoundedJson } from '../../shared/bounded-json';
import { AppFailure } from '../../shared/result';
import { shownText } from '../../shared/shown-text';
import type { Item, Repository, RepositoryOps, Settled } from '../storage';
import { ClientRequest, OPS, type ClientResponse, type RequestIdValue, type WireItem } from './protocol';

const toWire = (item: Item): WireItem => ({
  path: item.path,
  kind: item.kind,
  content: typeof item.content === 'string' ? item.content : Buffer.from(item.content).toString('base64'),
  encoding: typeof item.content === 'string' ? 'utf8' : 'base64',
  version: item.version,
  updatedAt: item.updatedAt,
  updatedBy: item.updatedBy,
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The request's id when it has a usable one, so even a refused request can be matched by the client. */
function idOf(message: unknown): RequestIdValue | null {
  if (typeof message !== 'object' || message === null) return null;
  const id = (message as { id?: unknown }).id;
  return (typeof id === 'string' && id.length > 0 && id.length <= 200) || Number.isInteger(id)
    ? (id as RequestIdValue)
    : null;
}

/** The op as a person reads it in an error: a short string as is, anything else only by its type. */
function describeOp(op: unknown): string {
  if (typeof op === 'string') return JSON.stringify(op.length > 40 ? `${op.slice(0, 40)}…` : op);
  if (op === undefined || op === null) return '(none)';
  return `(a ${Array.isArray(op) ? 'list' : typeof op}, not a name)`;
}

function failure(id: RequestIdValue | null, code: AppFailure['code'], message: string): ClientResponse {
  return { id, ok: false, error: { code, message } };
}

/**
 * A client message, parsed and validated, not yet run: either its answer already (it was refused), or the
 * work to run against the repository — inside a group's transaction (Repository.group), where a failure
 * throws and undoes only this request.
 */
export type PreparedRequest =
  | { kind: 'answer'; response: ClientResponse }
  | {
      kind: 'run';
      id: RequestIdValue;
      op: ClientRequest['op'];
      run(ops: RepositoryOps): ClientResponse;
    };

/**
 * Parses and validates one text message of a session. Never throws: every problem becomes an error
 * response, and the connection stays usable.
 */
export function prepareRequest(text: string, clientLabel: string): PreparedRequest {
  const answer = (response: ClientResponse): PreparedRequest => ({ kind: 'answer', response });
  let message: unknown;
  try {
    message = parseBoundedJson(text);
  } catch (error) {
    if (error instanceof JsonTooDeepError)
      return answer(
        failure(
          null,
          'INVALID_ARGUMENT',
          `The message is nested deeper than ${error.maxDepth} levels; a request is one flat JSON object.`,
        ),
      );
    return answer(
      failure(null, 'INVALID_ARGUMENT', `The message is not valid JSON (${(error as Error).message}).`),
    );
  }
  const id = idOf(message);
  const op = (message as { op?: unknown } | null)?.op;
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return answer(
      failure(id, 'INVALID_ARGUMENT', 'A request must be a JSON object such as {"id": 1, "op": "list"}.'),
    );
  }
  if (typeof op !== 'string' || !(OPS as readonly string[]).includes(op)) {
    return answer(
      failure(
        id,
        'UNKNOWN_METHOD',
        `Unknown op ${describeOp(op)}; this server understands ${OPS.map((o) => `"${o}"`).join(', ')}.`,
      ),
    );
  }
  const parsed = ClientRequest.safeParse(message);
  if (!parsed.success) {
    const problems = parsed.error.issues.slice(0, 3).map((i) => {
      // zod's own sentence quotes every unknown key in full: a 16 MiB key would come back whole.
      const message =
        i.code === 'unrecognized_keys'
          ? `unknown ${i.keys.length === 1 ? 'field' : 'fields'} ${i.keys
              .slice(0, 3)
              .map((k) => `"${shownText(k, { max: 40, sayLength: true })}"`)
              .join(', ')}${i.keys.length > 3 ? ` and ${i.keys.length - 3} more` : ''}`
          : i.message;
      return i.path.length ? `${i.path.join('.')}: ${message}` : message;
    });
    return answer(failure(id, 'INVALID_ARGUMENT', `Invalid "${op}" request: ${problems.join('; ')}`));
  }
  const request = parsed.data;
  const run = (work: (ops: RepositoryOps) => ClientResponse): PreparedRequest => ({
    kind: 'run',
    id: request.id,
    op: request.op,
    run: work,
  });
  switch (request.op) {
    case 'list':
      return run((ops) => ({ id: request.id, ok: true, result: { items: ops.list(request.prefix) } }));
    case 'get':
      return run((ops) => {
        const item = ops.get(request.path);
        if (!item) return failure(request.id, 'NOT_FOUND', `There is no item "${request.path}".`);
        return { id: request.id, ok: true, result: toWire(item) };
      });
    case 'put': {
      if (
        request.encoding === 'base64' &&
        (request.content.length % 4 !== 0 || !BASE64.test(request.content))
      )
        return answer(failure(request.id, 'INVALID_ARGUMENT', 'content is not valid base64.'));
      const content =
        request.encoding === 'base64'
          ? new Uint8Array(Buffer.from(request.content, 'base64'))
          : request.content;
      return run((ops) => {
        const item = ops.put({
          path: request.path,
          kind: request.kind,
          content,
          ifVersion: request.ifVersion,
          updatedBy: clientLabel,
        });
        return {
          id: request.id,
          ok: true,
          result: { path: item.path, version: item.version, updatedAt: item.updatedAt },
        };
      });
    }
    case 'delete':
      return run((ops) => {
        ops.delete(request.path, { ifVersion: request.ifVersion, updatedBy: clientLabel });
        return { id: request.id, ok: true, result: null };
      });
  }
}

/** The answer to a prepared request from how its unit of the group ended. */
export function settledAnswer(
  request: Extract<PreparedRequest, { kind: 'run' }>,
  settled: Settled<ClientResponse>,
): ClientResponse {
  if (settled.ok) return settled.value;
  const error = settled.error;
  if (error instanceof AppFailure) return failure(request.id, error.code, error.message);
  return failure(
    request.id,
    'INTERNAL',
    `The server could not do "${request.op}": ${(error as Error).message}`,
  );
}

/**
 * Answers one text message of a session on its own (a group of one): parse, validate, run against the
 * repository. Never throws: every problem becomes an error response and the connection stays usable.
 */
export function answerRequest(repo: Repository, text: string, clientLabel: string): ClientResponse {
  const prepared = prepareRequest(text, clientLabel);
  if (prepared.kind === 'answer') return prepared.response;
  return settledAnswer(prepared, repo.group([prepared.run])[0]!);
}
