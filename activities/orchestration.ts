import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { accountWorkflowId, type AccountRefreshInput, type AccountRefreshResult } from '../workflows/messages';
import type { ActivityDeps } from './deps';

export function createOrchestrationActivities({ temporal }: ActivityDeps) {
  return {
    /**
     * Starts the account workflow, or attaches to the one already running for that account
     * (one refresh per account at a time), and waits for its result while heartbeating.
     */
    async startOrAttachAccountRefresh(input: AccountRefreshInput): Promise<AccountRefreshResult> {
      if (!temporal) throw new Error('startOrAttachAccountRefresh needs a Temporal client in the activity deps');
      const workflowId = accountWorkflowId(input.accountId);
      let handle;
      try {
        handle = await temporal.client.workflow.start('accountRefresh', {
          workflowId,
          taskQueue: temporal.taskQueue,
          args: [input],
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        handle = temporal.client.workflow.getHandle(workflowId);
      }
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat({ workflowId }), 10_000);
      try {
        return (await Promise.race([handle.result(), ctx.cancelled])) as AccountRefreshResult;
      } finally {
        clearInterval(beat);
      }
    },
  };
}
