// Browser tests run in Debian's Chromium (Playwright cannot download its own here). Install it when
// missing; CI runs as root on a Debian machine.
import { existsSync } from 'node:fs';
import { aptInstall } from './apt-install.mjs';

const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';
if (existsSync(CHROMIUM)) process.exit(0);
aptInstall(['chromium'], `the browser tests (${CHROMIUM} not found)`);
