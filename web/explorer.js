// The explorer page's script (served at /graphiql/assets/explorer.js, no build step): sign-in,
// the explorer:use gate, sign-out, and GraphiQL itself. React, ReactDOM and GraphiQL are the UMD
// globals loaded before it from the gateway.
(function () {
  'use strict';
  const h = React.createElement;
  const TOKEN_KEY = 'postern.explorer.token';
  const EXPLORER_HEADER = { 'x-postern-client': 'explorer' };
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
    sessionStorage.removeItem(TOKEN_KEY);
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
      h('span', { className: 'who', id: 'signed-in-as' }, props.who ? 'Signed in as ' + props.who : ''),
      h('button', { type: 'button', id: 'signout', onClick: signOut }, 'Sign out'),
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

  function Explorer(props) {
    const fetcher = React.useMemo(
      () =>
        GraphiQL.createFetcher({ url: '/graphql', headers: Object.assign({ authorization: 'Bearer ' + props.token }, EXPLORER_HEADER) }),
      [props.token],
    );
    return h(
      'div',
      { className: 'shell' },
      h(Bar, { who: props.who }),
      h(
        'div',
        { className: 'graphiql-host' },
        h(GraphiQL, { fetcher, defaultQuery: DEFAULT_QUERY, isHeadersEditorEnabled: false, shouldPersistHeaders: false }),
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
      body = await post('query ExplorerAccess { viewer { user { email } } }', {}, token, EXPLORER_HEADER);
    } catch {
      root.render(h(SignIn, { message: 'The gateway did not answer. Try again.' }));
      return;
    }
    const err = firstError(body);
    const code = err && err.extensions ? err.extensions.code : null;
    if (code === 'UNAUTHENTICATED') {
      sessionStorage.removeItem(TOKEN_KEY);
      root.render(h(SignIn, { message: err.message }));
      return;
    }
    const who = body.data && body.data.viewer && body.data.viewer.user ? body.data.viewer.user.email : null;
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
