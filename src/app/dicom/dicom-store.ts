import { create } from 'zustand';
import type { DicomListing } from '../../core/io/dicom/dicom-drop';

/** A DICOM drop with several image series, waiting for the user to pick one. */
interface DicomPickerState {
  pending: { token: number; listing: DicomListing } | null;
  setPending(p: { token: number; listing: DicomListing } | null): void;
}

export const useDicomPicker = create<DicomPickerState>((set) => ({
  pending: null,
  setPending: (pending) => set({ pending }),
}));
