/**
 * The `diffcontact` command line.
 *
 * The commands of DESIGN.md (simulate, grad, sweep, optimize) need the simulator, which
 * lands in a later issue; until then this entry point prints its help and reports, with
 * exit code 1, that a command is not available yet. Unknown commands exit with code 2.
 */
const COMMANDS: Record<string, string> = {
  simulate: 'diffcontact simulate <scene.json> [--steps N] [--dt S] [--contact hard|penalty|soft] [--json]',
  grad: 'diffcontact grad <scene.json> --of Q --wrt P[,P...] [--contact M] [--probe R] [--json]',
  sweep: 'diffcontact sweep <scene.json> --of Q --wrt P --from A --to B --n N [--contact hard,soft] [--json]',
  optimize: 'diffcontact optimize <scene-name|scene.json> [--iters N] [--contact M] [--strategy S] [--json]',
};

function help(): string {
  return ['diffcontact — a differentiable rigid-body contact simulator', '', 'Usage:', ...Object.values(COMMANDS).map((c) => `  ${c}`)].join('\n');
}

const [command] = process.argv.slice(2);
if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
  console.log(help());
} else if (command in COMMANDS) {
  console.error(`diffcontact: '${command}' is not available yet: it arrives with the simulator (see README.md).`);
  process.exitCode = 1;
} else {
  console.error(`diffcontact: unknown command '${command}'\n\n${help()}`);
  process.exitCode = 2;
}
