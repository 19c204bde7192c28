import { useEffect, useState } from 'react';
import { collectDroppedFiles } from './actions/dropped-files';
import { routeDrop } from './actions/route-drop';
import { detectBackend } from './backend';
import { ErrorBanners } from './components/ErrorBanners';
import { HeaderPanel } from './components/HeaderPanel';
import { JobProgress } from './components/JobProgress';
import { LabelComparison } from './components/LabelComparison';
import { LabelTable } from './components/LabelTable';
import { LeftPanel } from './components/LeftPanel';
import { TopBar } from './components/TopBar';
import { initModels } from './models/models-store';
import './plan/open-dataset';
import './models/import-dropped-model';
// After datasets and models: a drop holding neither, with DICOM-named files, is DICOM.
import './dicom/open-dicom-drop';
import { DicomSeriesPicker } from './dicom/DicomSeriesPicker';
import { FineTunePanel } from './finetune/FineTunePanel';
import { SegmentPanel } from './modes/SegmentPanel';
import { PlanPanel } from './plan/PlanPanel';
import { usePlanOverlay } from './plan/plan-overlay';
import { useStore } from './store';
import { Viewer } from './viewer/Viewer';
import { ViewToolbar } from './viewer/ViewToolbar';

function RightPanel() {
  const mode = useStore((s) => s.mode);
  switch (mode) {
    case 'view':
      return (
        <>
          <section>
            <h2>Header</h2>
            <HeaderPanel />
          </section>
          <section>
            <h2>Labels</h2>
            <LabelTable />
          </section>
          <LabelComparison />
        </>
      );
    case 'segment':
      return <SegmentPanel />;
    case 'plan':
      return <PlanPanel />;
    case 'finetune':
      return <FineTunePanel />;
    default:
      return (
        <section>
          <h2>{mode}</h2>
          <p className="muted">Not available yet.</p>
        </section>
      );
  }
}

export function App() {
  const [dragging, setDragging] = useState(false);
  const mode = useStore((s) => s.mode);
  const planTiles = usePlanOverlay();
  useEffect(() => {
    void detectBackend();
    void initModels();
  }, []);
  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: the whole window is a drop target; the file buttons are the accessible way in
    <div
      className={`app ${dragging ? 'dragging' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void collectDroppedFiles(e.dataTransfer).then(routeDrop);
      }}
    >
      <TopBar />
      <LeftPanel />
      <main className="centre">
        <ErrorBanners />
        <DicomSeriesPicker />
        <ViewToolbar />
        <Viewer overlay={mode === 'plan' ? (planTiles?.overlay ?? null) : null} />
      </main>
      <aside className="right-panel">
        <RightPanel />
      </aside>
      <JobProgress />
    </div>
  );
}
