/** Plaza Meet's entry point (index.html loads it). */
import './zodJitless.js'; // first: before @plaza/protocol defines its schemas
import { render } from 'preact';
import { App } from './App.js';
import { installTestApi } from './testApi.js';
import './styles/base.css';
import './styles/call.css';
import './styles/panels.css';
import './styles/responsive.css'; // last: overrides the rest on wide and narrow screens

installTestApi();
render(<App />, document.getElementById('app')!);
