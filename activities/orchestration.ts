import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { accountWorkflowId, type AccountRefreshInput, type AccountRefreshResult } from '../workflows/messages';
import type { ActivityDeps } from './deps';

export function createOrchestrationActivities({ temporal }: ActivityDeps) {
  async function startOrAttach(workflowId: string, input: AccountRefreshInput, ctx: Context): Promise<AccountRefreshResult> {
    let handle;
    try {
      handle = await temporal!.client.workflow.start('accountRefresh', { workflowId, taskQueue: temporal!.taskQueue, args: [input], workflowIdConflictPolicy: 'USE_EXISTING' });
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
        // The run we attach to may be one a webhook started (the response can arrive before the
        // bettor-level POST returns). Such a run counts only if it loaded our request; otherwise
        // start again: the new run finds our response landed, or waits for it.
        for (let round = 0; ; round++) {
          const result = await startOrAttach(workflowId, input, ctx);
          const ours = !input.preset || result.mode === 'request' || result.loaded.some((l) => l.requestId === input.preset!.requestId);
          if (ours || round >= 3) return input.preset && ours ? { ...result, attempts: Math.max(result.attempts, 1) } : result;
        }
      } finally {
        clearInterval(beat);
      }
    },
  };
}
