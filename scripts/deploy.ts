/** Entry point of `npm run deploy` (scripts/deploy/cli.ts); AWS through the SDK adapter. */
import { createAwsGreengrassDeployments } from './deploy/aws-greengrass.ts';
import { runDeployCli } from './deploy/cli.ts';

process.exitCode = await runDeployCli(process.argv.slice(2), {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
  env: process.env,
  cwd: process.cwd(),
  connect: createAwsGreengrassDeployments,
});
