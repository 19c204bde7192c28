// Browser tests run in Debian's Chromium (Playwright cannot download its own here). Install it when
// missing; CI runs as root on a Debian machine.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
console.log(`[tessera] ${CHROMIUM} not found: installing Debian's chromium package`);
const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
try {
  execSync(
    `${sudo}apt-get update -q && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium`,
    {
      stdio: 'inherit',
    },
  );
} catch {
  console.error('[tessera] could not install chromium; install it with: apt-get install -y chromium');
  process.exit(1);
}
