// DICOM tests validate every DICOM-SEG with Debian's dciodvfy (dicom3tools) and read it back with pydicom
// (python3-pydicom). Install them when missing; CI runs as root on a Debian machine.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { aptInstall } from './apt-install.mjs';

const missing = [];
if (!existsSync('/usr/bin/dciodvfy')) missing.push('dicom3tools');
try {
  execSync('/usr/bin/python3 -c "import pydicom, numpy"', { stdio: 'ignore' });
} catch {
  missing.push('python3-pydicom', 'python3-numpy');
}
if (missing.length === 0) process.exit(0);
aptInstall(missing, 'the DICOM tests');
