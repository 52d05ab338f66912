// Entry of the JupyterLab host page. It must run before any shared module is loaded: it sets
// the public path of our chunks, then loads every prebuilt (federated) extension's
// remoteEntry so that module federation can pick one copy of each shared package
// (@jupyterlab/*, @lumino/*, react, ...) for the host and all extensions together.

function pageOption(name) {
  const el = document.getElementById('jupyter-config-data');
  const config = el ? JSON.parse(el.textContent || '{}') : {};
  return config[name] || '';
}

// eslint-disable-next-line no-undef
__webpack_public_path__ = pageOption('fullStaticUrl') + '/';

function loadScript(url) {
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.onerror = () => reject(new Error(`could not load ${url}`));
    script.onload = resolve;
    script.async = true;
    document.head.appendChild(script);
    script.src = url;
  });
}

async function loadRemote(baseUrl, data) {
  await loadScript(`${baseUrl}/${data.name}/${data.load}`);
  // eslint-disable-next-line no-undef
  await __webpack_init_sharing__('default');
  const container = window._JUPYTERLAB[data.name];
  // eslint-disable-next-line no-undef
  await container.init(__webpack_share_scopes__.default);
}

void (async function bootstrap() {
  const remotes = pageOption('federated_extensions') || [];
  const baseUrl = pageOption('fullLabextensionsUrl');
  const results = await Promise.allSettled(remotes.map(data => loadRemote(baseUrl, data)));
  for (const result of results) {
    if (result.status === 'rejected') {
      console.error(result.reason);
    }
  }
  const { main } = await import('./main.js');
  if (document.readyState === 'complete') {
    void main();
  } else {
    window.addEventListener('load', () => void main());
  }
})();
