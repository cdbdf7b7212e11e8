// Picks the page of the role this server belongs to (index.html's data-role, set by the server).
import { render } from 'preact';
import { html } from './common.js';

const pages = { pool: './pool.js', translator: './translator.js', 'template-provider': './template-provider.js', proxy: './proxy.js', 'jd-client': './jd-client.js' };
const role = document.body.dataset.role;
const { Page } = await import(pages[role] ?? pages.pool);
const root = document.getElementById('app');
root.textContent = '';
render(html`<${Page} />`, root);
