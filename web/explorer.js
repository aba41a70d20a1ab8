// The explorer page's script (served at /graphiql/assets/explorer.js, no build step): sign-in,
// the explorer:use gate, sign-out, and GraphiQL itself. React, ReactDOM and GraphiQL are the UMD
// globals loaded before it from the gateway.
(function () {
  'use strict';
  const h = React.createElement;
  const TOKEN_KEY = 'postern.explorer.token';
  const VIEW_AS_KEY = 'postern.explorer.viewAs';
  const EXPLORER_HEADER = { 'x-postern-client': 'explorer' };
  const VIEW_AS_HEADER = 'x-postern-view-as';

  /** Everything the page (and GraphiQL: queries, tabs, history) kept in this browser. */
  function forgetEverything() {
    for (const store of [sessionStorage, localStorage]) {
      for (const key of Object.keys(store)) {
        if (key.startsWith('postern.') || key.startsWith('graphiql')) store.removeItem(key);
      }
    }
  }
  const root = ReactDOM.createRoot(document.getElementById('explorer'));

  async function post(query, variables, token, extraHeaders) {
    const headers = Object.assign({ 'content-type': 'application/json' }, extraHeaders || {});
    if (token) headers.authorization = 'Bearer ' + token;
    const res = await fetch('/graphql', { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    return res.json();
  }

  function firstError(body) {
    return body && body.errors && body.errors.length ? body.errors[0] : null;
  }

  // ---- sign-in -------------------------------------------------------------------------------
  function SignIn(props) {
    const [email, setEmail] = React.useState('');
    const [password, setPassword] = React.useState('');
    const [pasted, setPasted] = React.useState('');
    const [error, setError] = React.useState(props.message || '');
    const [busy, setBusy] = React.useState(false);

    async function login(e) {
      e.preventDefault();
      setBusy(true);
      setError('');
      try {
        const body = await post('mutation Login($input: LoginInput!) { login(input: $input) { token } }', {
          input: { email: email.trim(), password },
        });
        const err = firstError(body);
        if (err || !body.data || !body.data.login) {
          setError(err ? err.message : 'Sign-in failed.');
          return;
        }
        sessionStorage.setItem(TOKEN_KEY, body.data.login.token);
        start();
      } catch {
        setError('The gateway did not answer. Try again.');
      } finally {
        setBusy(false);
      }
    }

    function useToken(e) {
      e.preventDefault();
      const token = pasted.trim();
      if (!token) {
        setError('Paste a session token or a partner token (pst_…).');
        return;
      }
      sessionStorage.setItem(TOKEN_KEY, token);
      start();
    }

    return h(
      'main',
      { className: 'card' },
      h('h1', null, 'Postern GraphQL explorer'),
      h('p', null, 'Sign in with an account that holds the explorer:use permission.'),
      error ? h('p', { className: 'error', role: 'alert', id: 'signin-error' }, error) : null,
      h(
        'form',
        { onSubmit: login, id: 'signin' },
        h(
          'label',
          null,
          'Email',
          h('input', {
            id: 'email',
            type: 'email',
            autoComplete: 'username',
            required: true,
            value: email,
            onChange: (e) => setEmail(e.target.value),
          }),
        ),
        h(
          'label',
          null,
          'Password',
          h('input', {
            id: 'password',
            type: 'password',
            autoComplete: 'current-password',
            required: true,
            value: password,
            onChange: (e) => setPassword(e.target.value),
          }),
        ),
        h('button', { type: 'submit', id: 'signin-submit', disabled: busy }, busy ? 'Signing in…' : 'Sign in'),
      ),
      h(
        'form',
        { onSubmit: useToken, id: 'paste-token' },
        h(
          'label',
          null,
          'Or paste a token',
          h('input', { id: 'token', type: 'password', autoComplete: 'off', value: pasted, onChange: (e) => setPasted(e.target.value) }),
        ),
        h('button', { type: 'submit', id: 'token-submit' }, 'Use this token'),
      ),
      h('p', { className: 'note' }, 'The token is kept in this tab only (session storage) and forgotten when you sign out or close it.'),
    );
  }

  // ---- sign-out ------------------------------------------------------------------------------
  async function signOut() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    // The token, the view-as choice, and GraphiQL's saved queries, tabs and history: the next
    // person at this browser finds nothing of this session.
    forgetEverything();
    // A session token is ended on the server; a partner token stays valid until revoked.
    if (token && !token.startsWith('pst_')) {
      try {
        await post('mutation Logout { logout }', {}, token);
      } catch {
        /* the token is forgotten here either way */
      }
    }
    root.render(h(SignIn, { message: 'You are signed out.' }));
  }

  function Bar(props) {
    return h(
      'header',
      { className: 'bar' },
      h('strong', null, 'Postern explorer'),
      h('span', { className: 'who', id: 'signed-in-as' }, props.who || ''),
      props.viewAs ? h(ViewAsPicker, props.viewAs) : null,
      h('button', { type: 'button', id: 'signout', onClick: signOut }, 'Sign out'),
    );
  }

  /** Who the explorer holds: a person by email; a partner token by its own name, never its owner's. */
  function describe(viewer) {
    if (!viewer) return '';
    if (viewer.token) return 'Signed in with the token “' + viewer.token.name + '” (' + viewer.token.prefix + '…)';
    return viewer.user ? 'Signed in as ' + viewer.user.email : '';
  }

  // ---- view as -------------------------------------------------------------------------------
  /** Members, roles and tokens of the accounts where the signed-in admin holds access:viewAs. */
  async function viewAsChoices(token) {
    const body = await post(
      'query ViewAsChoices { viewer { accounts { id name ' +
        'members(first: 100) { edges { node { user { id email } } } } ' +
        'roles(first: 100) { edges { node { id name } } } ' +
        'apiTokens(first: 100) { edges { node { id name prefix revokedAt } } } } } }',
      {},
      token,
      EXPLORER_HEADER,
    );
    const accounts = (body.data && body.data.viewer && body.data.viewer.accounts) || [];
    const choices = [];
    for (const a of accounts) {
      const can = await post(
        'query CanViewAs($scope: ScopeInput!) { viewer { can(permission: "access:viewAs", scope: $scope) } }',
        { scope: { type: 'ACCOUNT', id: a.id } },
        token,
        EXPLORER_HEADER,
      );
      if (!(can.data && can.data.viewer && can.data.viewer.can)) continue;
      const edges = (c) => (c && c.edges ? c.edges.map((e) => e.node) : []);
      for (const m of edges(a.members)) choices.push({ value: 'member:' + m.user.id, label: a.name + ' — member ' + m.user.email });
      for (const r of edges(a.roles))
        choices.push({ value: 'role:' + r.id + '@ACCOUNT:' + a.id, label: a.name + ' — role ' + r.name + ' (whole account)' });
      for (const t of edges(a.apiTokens)) {
        if (!t.revokedAt) choices.push({ value: 'token:' + t.id, label: a.name + ' — token ' + t.name + ' (' + t.prefix + '…)' });
      }
    }
    return choices;
  }

  function ViewAsPicker(props) {
    if (!props.choices.length) return null;
    return h(
      'label',
      { className: 'view-as' },
      'View as ',
      h(
        'select',
        { id: 'view-as', value: props.value || '', onChange: (e) => props.onChange(e.target.value || null) },
        h('option', { value: '' }, 'myself'),
        props.choices.map((c) => h('option', { key: c.value, value: c.value }, c.label)),
      ),
    );
  }

  // ---- why? ----------------------------------------------------------------------------------
  /** The distinct FORBIDDEN refusals of a response: one entry per (permission, scope). */
  function refusalsOf(body) {
    const seen = new Map();
    for (const e of (body && body.errors) || []) {
      const x = e.extensions || {};
      if (x.code !== 'FORBIDDEN' || !x.permission || !x.scope) continue;
      const key = x.permission + ' ' + x.scope.type + ' ' + x.scope.id;
      if (!seen.has(key))
        seen.set(key, {
          key,
          permission: x.permission,
          scope: x.scope,
          canRequestAccess: !!x.canRequestAccess,
          message: e.message,
          paths: [],
        });
      if (e.path) seen.get(key).paths.push(e.path.join('.'));
    }
    return [...seen.values()];
  }

  function Refusal(props) {
    const r = props.refusal;
    const [why, setWhy] = React.useState(null);
    const [requested, setRequested] = React.useState(null);
    async function ask() {
      setWhy({ loading: true });
      const body = await post(
        'query Why($permission: String!, $scope: ScopeInput!) { viewer { explain(permission: $permission, scope: $scope) { allowed steps { kind grants description } } } }',
        { permission: r.permission, scope: r.scope },
        props.token,
        props.headers,
      ).catch(() => null);
      const err = firstError(body);
      setWhy(err || !body ? { error: err ? err.message : 'The gateway did not answer.' } : body.data.viewer.explain);
    }
    async function request() {
      const body = await post(
        'mutation RequestAccess($input: RequestAccessInput!) { requestAccess(input: $input) { id status } }',
        { input: { permission: r.permission, scope: r.scope, note: 'Requested from the explorer' } },
        props.token,
        EXPLORER_HEADER,
      ).catch(() => null);
      const err = firstError(body);
      setRequested(
        err || !body
          ? 'Not sent: ' + (err ? err.message : 'the gateway did not answer.')
          : 'Requested: an owner or admin will be notified.',
      );
    }
    return h(
      'li',
      { className: 'refusal' },
      h(
        'span',
        { className: 'refusal-text' },
        r.message + (r.paths.length ? ' (at ' + r.paths.slice(0, 3).join(', ') + (r.paths.length > 3 ? ', …' : '') + ')' : ''),
      ),
      ' ',
      h('button', { type: 'button', className: 'why', onClick: ask }, 'Why?'),
      // People may ask for access; a partner token cannot, and nothing is asked while viewing as someone.
      r.canRequestAccess && !props.viewingAs
        ? h('button', { type: 'button', className: 'request-access', onClick: request, disabled: !!requested }, 'Request access')
        : null,
      requested ? h('span', { className: 'note requested' }, ' ' + requested) : null,
      why && why.loading ? h('p', { className: 'note' }, 'Asking…') : null,
      why && why.error ? h('p', { className: 'error' }, why.error) : null,
      why && why.steps
        ? h(
            'ol',
            { className: 'why-steps' },
            why.steps.map((s, i) =>
              h('li', { key: i, className: s.grants === true ? 'grants' : s.grants === false ? 'withholds' : 'informs' }, s.description),
            ),
          )
        : null,
    );
  }

  function Refusals(props) {
    if (!props.refusals.length) return null;
    return h(
      'section',
      { className: 'refusals', id: 'refusals' },
      h('strong', null, props.refusals.length === 1 ? 'One permission was missing:' : props.refusals.length + ' permissions were missing:'),
      h(
        'ul',
        null,
        props.refusals.map((r) =>
          h(Refusal, {
            key: r.key + (props.viewingAs || ''),
            refusal: r,
            token: props.token,
            headers: props.headers,
            viewingAs: props.viewingAs,
          }),
        ),
      ),
    );
  }

  // ---- refusal -------------------------------------------------------------------------------
  function Refused(props) {
    return h(
      'main',
      { className: 'card', id: 'refused' },
      h('h1', null, 'The explorer is not available to you'),
      h(
        'p',
        null,
        (props.who ? props.who + ' is signed in, but ' : 'You are signed in, but ') +
          'none of your roles grants explorer:use, which the explorer requires.',
      ),
      h(
        'p',
        null,
        'Ask an owner or admin of your account for a role with explorer:use. Your applications keep working: the API itself answers by each field\u2019s permission.',
      ),
      props.detail ? h('p', { className: 'note' }, props.detail) : null,
      h('button', { type: 'button', id: 'signout', onClick: signOut }, 'Sign out'),
    );
  }

  // ---- the explorer --------------------------------------------------------------------------
  const DEFAULT_QUERY =
    '# The docs pane (book icon) shows the permission each field requires.\n{\n  viewer {\n    user { email name }\n    accounts { id name }\n  }\n}\n';

  /**
   * GraphiQL's storage (queries, tabs, history) for this sign-in only, in memory: nothing of it is
   * written to the browser's storage, so nothing outlives signing out (or a late debounced save).
   */
  function memoryStorage() {
    const items = new Map();
    return {
      getItem: (k) => (items.has(k) ? items.get(k) : null),
      setItem: (k, v) => void items.set(k, String(v)),
      removeItem: (k) => void items.delete(k),
      clear: () => items.clear(),
      key: (i) => [...items.keys()][i] ?? null,
      get length() {
        return items.size;
      },
    };
  }

  function Explorer(props) {
    const storage = React.useMemo(memoryStorage, [props.token]);
    const [viewAs, setViewAs] = React.useState(sessionStorage.getItem(VIEW_AS_KEY));
    const [choices, setChoices] = React.useState([]);
    const [refusals, setRefusals] = React.useState([]);
    React.useEffect(() => {
      viewAsChoices(props.token).then(setChoices, () => setChoices([]));
    }, [props.token]);
    function chooseViewAs(value) {
      if (value) sessionStorage.setItem(VIEW_AS_KEY, value);
      else sessionStorage.removeItem(VIEW_AS_KEY);
      setViewAs(value);
      setRefusals([]);
    }
    const headers = React.useMemo(
      () => Object.assign({ authorization: 'Bearer ' + props.token }, EXPLORER_HEADER, viewAs ? { [VIEW_AS_HEADER]: viewAs } : {}),
      [props.token, viewAs],
    );
    const fetcher = React.useMemo(() => {
      const inner = GraphiQL.createFetcher({ url: '/graphql', headers, enableIncrementalDelivery: false });
      // Each answer's FORBIDDEN errors are offered "Why?" (and "Request access") under the bar.
      return async (params, opts) => {
        const result = await inner(params, opts);
        if (params && params.operationName !== 'IntrospectionQuery') setRefusals(refusalsOf(result));
        return result;
      };
    }, [headers]);
    const chosen = choices.find((c) => c.value === viewAs);
    return h(
      'div',
      { className: 'shell' },
      h(Bar, { who: props.who, viewAs: { choices, value: viewAs, onChange: chooseViewAs } }),
      viewAs
        ? h(
            'div',
            { className: 'viewing-as', id: 'viewing-as', role: 'status' },
            'Viewing as ' +
              (chosen ? chosen.label : viewAs) +
              ': read-only, every secret masked, and each query is recorded in the audit log.',
          )
        : null,
      h(Refusals, {
        refusals,
        token: props.token,
        headers: Object.assign({}, EXPLORER_HEADER, viewAs ? { [VIEW_AS_HEADER]: viewAs } : {}),
        viewingAs: viewAs,
      }),
      h(
        'div',
        { className: 'graphiql-host' },
        h(GraphiQL, {
          key: viewAs || 'self',
          storage,
          fetcher,
          defaultQuery: DEFAULT_QUERY,
          isHeadersEditorEnabled: false,
          shouldPersistHeaders: false,
        }),
      ),
    );
  }

  // ---- the gate ------------------------------------------------------------------------------
  async function start() {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) {
      root.render(h(SignIn));
      return;
    }
    root.render(h('p', { className: 'loading' }, 'Checking your access…'));
    let body;
    try {
      body = await post('query ExplorerAccess { viewer { user { email } token { name prefix } } }', {}, token, EXPLORER_HEADER);
    } catch {
      root.render(h(SignIn, { message: 'The gateway did not answer. Try again.' }));
      return;
    }
    const err = firstError(body);
    const code = err && err.extensions ? err.extensions.code : null;
    if (code === 'UNAUTHENTICATED') {
      forgetEverything();
      root.render(h(SignIn, { message: err.message }));
      return;
    }
    const who = describe(body.data && body.data.viewer);
    if (code === 'FORBIDDEN') {
      // Refused before anything ran: ask who this is without the explorer header (a public field).
      const me = await post('query Me { viewer { user { email } } }', {}, token).catch(() => null);
      const email = me && me.data && me.data.viewer && me.data.viewer.user ? me.data.viewer.user.email : null;
      root.render(h(Refused, { who: email, detail: err.message }));
      return;
    }
    if (err) {
      root.render(h(SignIn, { message: err.message }));
      return;
    }
    root.render(h(Explorer, { token, who }));
  }

  start();
})();
