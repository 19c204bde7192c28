import { create } from 'zustand';

/** How the viewer displays (not what): the clinicians' conventions, kept apart from the data store. */
interface ViewerSettings {
  /** Radiological convention: patient left on screen right, as radiology workstations show it. */
  radiological: boolean;
  /** The 4-D frame (volume index along t) shown for the active scan. */
  frame: number;
  setRadiological(v: boolean): void;
  setFrame(v: number): void;
}

export const useViewerSettings = create<ViewerSettings>((set) => ({
  radiological: true,
  frame: 0,
  setRadiological: (radiological) => set({ radiological }),
  setFrame: (frame) => set({ frame }),
}));
