// DICOM tests validate every DICOM-SEG with Debian's dciodvfy (dicom3tools) and read it back with pydicom
// (python3-pydicom). Install them when missing; CI runs as root on a Debian machine.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const missing = [];
if (!existsSync('/usr/bin/dciodvfy')) missing.push('dicom3tools');
try {
  execSync('/usr/bin/python3 -c "import pydicom, numpy"', { stdio: 'ignore' });
} catch {
  missing.push('python3-pydicom', 'python3-numpy');
}
if (missing.length === 0) process.exit(0);
console.log(`[tessera] installing Debian's ${missing.join(' ')} for the DICOM tests`);
const sudo = process.getuid?.() === 0 ? '' : 'sudo ';
try {
  execSync(
    `${sudo}apt-get update -q && ${sudo}env DEBIAN_FRONTEND=noninteractive apt-get install -y -q ${missing.join(' ')}`,
    { stdio: 'inherit' },
  );
} catch {
  console.error(`[tessera] could not install them; run: apt-get install -y ${missing.join(' ')}`);
  process.exit(1);
}
