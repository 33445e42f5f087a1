import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { readPageParams, resolveLinkPayloads } from './url-params';
import './styles.css';
import './actions.css';
import './perf.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
// A shared link's payloads (an edited scenario, actions) are decompressed before the page starts.
void resolveLinkPayloads(readPageParams(window.location.search, window.location.hash)).then((params) =>
  createRoot(root).render(
    <StrictMode>
      <App params={params} />
    </StrictMode>,
  ),
);
