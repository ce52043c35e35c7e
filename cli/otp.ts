import { parseArgs } from 'node:util';
import { loadConfig } from '../platform/config';
import { accountWorkflowId, submitOtp } from '../workflows/refresh/messages';
import { clientFor } from './temporal-client';

/** Hands a bettor's one-time password to the refresh waiting for it (SharpSports 2FA handling). */
export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { account: { type: 'string' }, code: { type: 'string' } } });
  if (!values.account || !values.code) {
    process.stderr.write('usage: linehouse otp --account <BACT_…> --code <one-time password>\n');
    return 2;
  }
  const { client } = await clientFor(loadConfig());
  try {
    await client.workflow.getHandle(accountWorkflowId(values.account)).signal(submitOtp, values.code);
    process.stdout.write(JSON.stringify({ account: values.account, submitted: true }) + '\n');
    return 0;
  } finally {
    await client.connection.close();
  }
}
