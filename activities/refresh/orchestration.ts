import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import {
  accountWorkflowId,
  type AccountRefreshInput,
  type AccountRefreshResult,
} from '../../workflows/refresh/messages';
import { refreshStartAttributes } from '../../platform/temporal/search-attributes';
import type { ActivityDeps } from '../deps';

const RETRYABLE = (status: number) => status === 429 || status === 424 || status >= 500;

export function createOrchestrationActivities({ temporal }: ActivityDeps) {
  async function startOrAttach(
    workflowId: string,
    input: AccountRefreshInput,
    ctx: Context,
  ): Promise<AccountRefreshResult> {
    let handle;
    try {
      handle = await temporal!.client.workflow.start('accountRefresh', {
        workflowId,
        taskQueue: temporal!.taskQueue,
        args: [input],
        typedSearchAttributes: refreshStartAttributes(input.accountId, input),
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      handle = temporal!.client.workflow.getHandle(workflowId);
    }
    return (await Promise.race([handle.result(), ctx.cancelled])) as AccountRefreshResult;
  }

  return {
    /**
     * Starts the account workflow, or attaches to the one already running for that account
     * (one refresh per account at a time), and waits for its result while heartbeating.
     */
    async startOrAttachAccountRefresh(input: AccountRefreshInput): Promise<AccountRefreshResult> {
      if (!temporal) throw new Error('startOrAttachAccountRefresh needs a Temporal client in the activity deps');
      const workflowId = accountWorkflowId(input.accountId);
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat({ workflowId }), 10_000);
      try {
        // The run we attach to may be one a webhook started: the response can arrive before the
        // bettor-level POST returns. Such a run loads it but does not retry; so a retryable answer
        // continues in a request-mode run that knows an attempt was made, and a run that did not
        // see our request at all is followed by a fresh one (which finds the response landed).
        let next = input;
        for (let round = 0; ; round++) {
          const result = await startOrAttach(workflowId, next, ctx);
          const preset = input.preset;
          if (!preset || result.mode === 'request' || round >= 4) return result;
          const ours = result.loaded.find((l) => l.requestId === preset.requestId);
          if (ours && !RETRYABLE(ours.status))
            return {
              ...result,
              status: ours.status,
              requestId: preset.requestId,
              refreshResponseId: ours.refreshResponseId,
              attempts: 1,
            };
          if (ours) next = { ...input, preset: undefined, prior: { attempts: 1, status: ours.status } };
        }
      } finally {
        clearInterval(beat);
      }
    },
  };
}
