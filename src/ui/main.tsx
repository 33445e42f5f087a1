import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { readPageParams } from './url-params';
import './styles.css';
import './actions.css';

const root = document.getElementById('root');
if (root === null) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App params={readPageParams(window.location.search)} />
  </StrictMode>,
);
