/** Plaza Meet's entry point (index.html loads it). */
import './zodJitless.js'; // first: before @plaza/protocol defines its schemas
import { render } from 'preact';
import { App } from './App.js';
import { installTestApi } from './testApi.js';
import './styles.css';

installTestApi();
render(<App />, document.getElementById('app')!);
