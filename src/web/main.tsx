/** Entry point: reads the data the page carries and starts the app (and the live stream). */
import { render } from 'preact';
import { REPORT_FORMAT, type ReportData } from '../views/report/format.js';
import { App } from './app.js';
import { BoardConnect } from './board-connect.js';
import { Session } from './session.js';
import './style.css';

function readData(): ReportData {
  const el = document.getElementById('mpheap-data');
  const data = el ? (JSON.parse(el.textContent ?? '{}') as ReportData) : null;
  if (!data || data.format !== REPORT_FORMAT) throw new Error('this page carries no mpheap data');
  return data;
}

const session = new Session(readData());
if (session.data.live) session.connectLive();
render(<App session={session} extra={<BoardConnect session={session} />} />, document.getElementById('app')!);
