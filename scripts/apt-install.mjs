// Install Debian packages the tests or benchmarks need (CI runs as root on a Debian machine; elsewhere sudo).
import { execSync } from 'node:child_process';

/** apt-get install `packages` for `purpose`; on failure say what to run, and exit 1. */
export function aptInstall(packages, purpose) {
  console.log(`[tessera] installing Debian's ${packages.join(' ')} for ${purpose}`);
  const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
  try {
    execSync(
      `${sudo}apt-get update -q && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${packages.join(' ')}`,
      { stdio: 'inherit' },
    );
  } catch {
    console.error(`[tessera] could not install them; run: apt-get install -y ${packages.join(' ')}`);
    process.exit(1);
  }
}
