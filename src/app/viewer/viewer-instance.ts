import type { ViewerController } from './niivue-controller';

/** The one viewer of the page, for actions (editing) that talk to it outside React's render. */
let resolve: (c: ViewerController) => void;
export const viewerReady: Promise<ViewerController> = new Promise((r) => {
  resolve = r;
});

export function setViewer(c: ViewerController): void {
  resolve(c);
}
