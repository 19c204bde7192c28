import { type ReactNode, useRef } from 'react';
import { collectInputFiles, type DroppedFile } from '../actions/dropped-files';

/**
 * A button that opens the file (or folder) picker and hands the picked files, with their relative
 * paths, to `onPick`. The hidden input keeps its test id so browser tests can set files on it.
 */
export function PickFiles(props: {
  children: ReactNode;
  onPick: (files: DroppedFile[]) => void;
  testId: string;
  folder?: boolean;
  multiple?: boolean;
  accept?: string;
  title?: string;
  className?: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  const folder = props.folder ? { webkitdirectory: '' } : {};
  return (
    <>
      <button
        type="button"
        className={props.className}
        title={props.title}
        onClick={() => input.current?.click()}
      >
        {props.children}
      </button>
      <input
        ref={input}
        type="file"
        hidden
        data-testid={props.testId}
        multiple={props.multiple}
        accept={props.accept}
        {...folder}
        onChange={(e) => {
          props.onPick(collectInputFiles(e.currentTarget.files));
          e.currentTarget.value = '';
        }}
      />
    </>
  );
}
