// The benchmarks that run nnU-Net v2 itself (bench/scale.bench.ts) need Debian's Python stack for it: torch,
// scipy, scikit-image, nibabel, threadpoolctl, tqdm, pandas, scikit-learn, and GNU time for peak RSS. Install what
// is missing; the nnU-Net sources themselves are fetched by the user into NNUNET_SRC (see the bench's header).
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { aptInstall } from './apt-install.mjs';

const modules = {
  torch: 'python3-torch',
  scipy: 'python3-scipy',
  skimage: 'python3-skimage',
  nibabel: 'python3-nibabel',
  threadpoolctl: 'python3-threadpoolctl',
  tqdm: 'python3-tqdm',
  pandas: 'python3-pandas',
  sklearn: 'python3-sklearn',
};
const missing = Object.entries(modules)
  .filter(([m]) => {
    try {
      execSync(`/usr/bin/python3 -c "import ${m}"`, { stdio: 'ignore' });
      return false;
    } catch {
      return true;
    }
  })
  .map(([, pkg]) => pkg);
if (!existsSync('/usr/bin/time')) missing.push('time');
if (missing.length === 0) process.exit(0);
aptInstall(missing, 'the nnU-Net benchmark');
