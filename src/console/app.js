// app.js — the ndb console: connects back to the server that served the
// page (with the JavaScript client, served beside it under /ndb/), logs in
// when the server asks for it, and switches between the views: Keys,
// Sessions, JSONPath, Server, Raw (one module each).
//
// The client reads numbers in "exact" mode and values as text, so what the
// console shows and saves is byte for byte what the server stores.  A user
// whose role is "read" sees no control that would change data (the body's
// data-role attribute hides them; the server refuses such commands anyway,
// status 45).  Keyboard: 1–5 switch views, / focuses the view's search, r
// reloads it, t changes the theme, ? lists the shortcuts.

import { Ndb } from './ndb/ndb.js';
import { FindView } from './find.js';
import { KeysView } from './keys.js';
import { RawView } from './raw.js';
import { ServerView } from './server.js';
import { SessionsView } from './sessions.js';
import { $, describe, nameText, toast, typing } from './ui.js';

const VIEWS = ['keys', 'sessions', 'find', 'server', 'raw'];
const THEMES = ['auto', 'light', 'dark'];
const THEME_STORE = 'ndb.console.theme';

const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/`;
let db = client();
let views = null;
let current = null;
let loggingIn = null; // the login under way (a promise), if any

// The connection indicator in the header.
function status(text, state) {
    const el = $('conn');
    el.textContent = text;
    el.dataset.state = state;
}

// A client for the console, its events wired to the page.  Only the
// current client (db) speaks: one replaced after a refused login is silent.
function client() {
    const c = new Ndb(url, { numbers: 'exact', timeout: 30000 });
    c.on('open', () => {
        if (c !== db) return;
        status('connected', 'open');
        if (views) reconnected();
    });
    c.on('close', () => {
        if (c !== db) return;
        status('disconnected', 'closed');
        if (!views) return;
        views.keys.live();
        views.sessions.live();
        // the server refused the login on a reconnection (a password
        // changed, a user removed, users gone): the client has closed for
        // good — a new one, and the login again
        if (c.state === 'closed' && c.refused) relogin();
    });
    c.on('reconnecting', (r) => {
        if (c !== db) return;
        status(`reconnecting (attempt ${r.attempt})…`, 'connecting');
        if (views) {
            views.keys.live();
            views.sessions.live();
        }
    });
    c.on('error', (e) => {
        if (c !== db) return;
        if (e.name === 'NdbError' && (e.status === 44 || e.status === 14)) {
            c.refused = true; // the login again, when the client closes
            return;
        }
        // a view's watch renewed on a connection not logged in yet (the server
        // came back with users): no error to show, reconnected() asks for the
        // login and the views watch again after it
        if (e.name === 'NdbError' && e.status === 43) return;
        toast(describe(e), true);
    });
    return c;
}

// Connected again: a server restarted with users asks everyone to log in
// (43): show the login, then read the views again.
async function reconnected() {
    views.keys.live();
    views.sessions.live();
    showUser(); // the client logs in as the dialog's user again, whoever a raw SV_AUTH made it
    if (db.user) return; // logged in again by the client itself
    try {
        await db.info();
    } catch (e) {
        if (e.status === 43) await relogin();
    }
}

// Open db, and log in if the server has users (the dialog).  false: no
// connection (said in the header and a toast).
async function connect() {
    status('connecting…', 'connecting');
    try {
        await db.open();
    } catch (e) {
        status('cannot connect', 'closed');
        toast(describe(e), true);
        return false;
    }
    try {
        await db.info();
    } catch (e) {
        if (e.status !== 43) throw e;
        await login(); // the server has users: authentication required
    }
    return true;
}

// Log in again (the same dialog as on loading), on a new client if the
// current one closed; then the views start over on the connection.
function relogin() {
    if (!loggingIn) {
        loggingIn = (async () => {
            if (db.state === 'closed') {
                db = client();
                for (const v of Object.values(views)) v.use(db);
                if (!(await connect())) return;
            } else {
                await login();
            }
            showUser();
            await views.keys.follow();
            await views.sessions.follow(true);
            await views[current].refresh();
        })().catch((e) => toast(describe(e), true)).finally(() => { loggingIn = null; });
    }
    return loggingIn;
}

// Switch to view name ("keys", ...), as the URL's #fragment says.
function show(name) {
    if (!VIEWS.includes(name)) name = 'keys';
    if (current === name) return;
    if (current) views[current].deactivate?.();
    current = name;
    for (const v of VIEWS) {
        $(`view-${v}`).hidden = v !== name;
        const tab = $(`tab-${v}`);
        tab.setAttribute('aria-selected', String(v === name));
        tab.tabIndex = v === name ? 0 : -1;
    }
    Promise.resolve(views[name].activate()).catch((e) => toast(describe(e), true));
}

// Ask for a user name and password until the server accepts them.
function login() {
    const dialog = $('login');
    const form = $('login-form');
    const err = $('login-error');
    err.hidden = true;
    return new Promise((resolve) => {
        const submit = async (ev) => {
            ev.preventDefault();
            err.hidden = true;
            try {
                await db.auth($('login-user').value, $('login-password').value);
            } catch (e) {
                // 14: the server came back without users while the dialog was
                // open: no login is needed any more (the dialog, which cannot be
                // cancelled, would otherwise ask for one for ever)
                if (e.status !== 14) {
                    err.textContent = e.status === 44 ? 'Wrong user name or password.' : describe(e);
                    err.hidden = false;
                    $('login-password').select();
                    return;
                }
            }
            $('login-password').value = '';
            form.removeEventListener('submit', submit);
            dialog.close();
            resolve();
        };
        form.addEventListener('submit', submit);
        dialog.addEventListener('cancel', (ev) => ev.preventDefault()); // nothing to see without logging in
        dialog.showModal();
        $('login-user').focus();
    });
}

// The role decides which controls show: "read" hides every edit control.
function showUser() {
    document.body.dataset.role = db.role || 'admin';
    const who = $('user');
    who.hidden = !db.user;
    who.textContent = db.user ? `${nameText(db.user)} (${db.role})` : ''; // a name may hold U+202E (not a control)
    $('logout').hidden = !db.user;
}

function setTheme(t) {
    document.documentElement.dataset.theme = t;
    $('theme').textContent = `theme: ${t}`;
    try {
        localStorage.setItem(THEME_STORE, t);
    } catch { /* not kept: fine */ }
}

function shortcuts(ev) {
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing() || document.querySelector('dialog[open]')) return;
    const n = Number(ev.key);
    if (n >= 1 && n <= VIEWS.length) location.hash = `#${VIEWS[n - 1]}`;
    else if (ev.key === '/') views[current].focus();
    else if (ev.key === 'r') Promise.resolve(views[current].refresh()).catch((e) => toast(describe(e), true));
    else if (ev.key === 't') setTheme(THEMES[(THEMES.indexOf(document.documentElement.dataset.theme) + 1) % THEMES.length]);
    else if (ev.key === 'e' && views[current].panel) views[current].panel.edit(); // Keys and Sessions
    else if (ev.key === '?') $('help').showModal();
    else return;
    ev.preventDefault();
}

async function main() {
    let theme = 'auto';
    try {
        theme = localStorage.getItem(THEME_STORE) || 'auto';
    } catch { /* default */ }
    setTheme(THEMES.includes(theme) ? theme : 'auto');
    $('theme').addEventListener('click', () => setTheme(THEMES[(THEMES.indexOf(document.documentElement.dataset.theme) + 1) % THEMES.length]));
    $('logout').addEventListener('click', () => location.reload()); // credentials live in this page only
    $('help-close').addEventListener('click', () => $('help').close());
    if (!(await connect())) return;
    showUser();
    views = {
        keys: new KeysView(db),
        sessions: new SessionsView(db),
        find: new FindView(db, (k) => {
            location.hash = '#keys';
            views.keys.open(k);
        }),
        server: new ServerView(db),
        // a raw SV_AUTH that succeeds: the connection's user and role now
        raw: new RawView(db, (user, role) => {
            db.user = user;
            db.role = role;
            showUser();
        }),
    };
    db.info().then((i) => { $('server-version').textContent = `ndb ${i.serverVersion}`; }).catch(() => {});
    document.addEventListener('keydown', shortcuts);
    window.addEventListener('hashchange', () => show(location.hash.slice(1)));
    document.body.dataset.ready = 'true';
    show(location.hash.slice(1));
}

main().catch((e) => {
    status('error', 'closed');
    toast(describe(e), true);
});
