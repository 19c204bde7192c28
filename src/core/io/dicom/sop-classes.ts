/** SOP classes the reader and writer treat specially (own file: the page's SEG writer needs no parser). */
export const SOP_CLASS = {
  segmentation: '1.2.840.10008.5.1.4.1.1.66.4',
  mediaStorageDirectory: '1.2.840.10008.1.3.10',
};
