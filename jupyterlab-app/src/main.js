// Starts JupyterLab 4: the core plugins bundled into this host (listed by the generated
// builtins.js, from @jupyterlab/core-meta) plus the prebuilt extensions the server lists in
// the page config's `federated_extensions`, exactly as JupyterLab's own index does.
import { JupyterPluginRegistry, PageConfig } from '@jupyterlab/coreutils';
import { IConnectionStatus, IServiceManager } from '@jupyterlab/services';
import { JupyterLab } from '@jupyterlab/application';

import { builtinExtensions, builtinMimeExtensions } from './builtins.js';
import './style.js';

// Plugins that need server parts which Debian's jupyter_server does not have (the language
// server bridge); JupyterLab's own examples/app leaves them out the same way.
const UNSUPPORTED_PLUGIN = /:language-server$/;

async function federatedModule(scope, module) {
  const factory = await window._JUPYTERLAB[scope].get(module);
  const instance = factory();
  instance.__scope__ = scope;
  return instance;
}

function pluginsOf(extension) {
  // ES modules export the plugins as default; CommonJS ones as the module itself.
  const exported = Object.prototype.hasOwnProperty.call(extension, '__esModule')
    ? extension.default
    : extension;
  return Array.isArray(exported) ? exported : [exported];
}

export async function main() {
  const disabledIds = PageConfig.Extension.disabled;
  const deferredIds = PageConfig.Extension.deferred;
  const matchesAny = (ids, pluginId) => {
    const extensionName = pluginId.includes(':') ? pluginId.slice(0, pluginId.indexOf(':')) : '';
    return ids.some(id => id === pluginId || (extensionName && id === extensionName));
  };

  const disabled = [];
  const deferred = [];
  const ignorePlugins = [];
  const availablePlugins = [];

  function* activePlugins(extension) {
    for (const plugin of pluginsOf(extension)) {
      if (UNSUPPORTED_PLUGIN.test(plugin.id)) {
        continue;
      }
      const isDisabled = matchesAny(disabledIds, plugin.id);
      availablePlugins.push({
        id: plugin.id,
        description: plugin.description,
        requires: plugin.requires ?? [],
        optional: plugin.optional ?? [],
        provides: plugin.provides ?? null,
        autoStart: plugin.autoStart,
        enabled: !isDisabled,
        extension: extension.__scope__
      });
      if (isDisabled) {
        disabled.push(plugin.id);
        continue;
      }
      if (matchesAny(deferredIds, plugin.id)) {
        deferred.push(plugin.id);
        ignorePlugins.push(plugin.id);
      }
      yield plugin;
    }
  }

  const federated = JSON.parse(PageConfig.getOption('federated_extensions') || '[]');
  const federatedNames = new Set(federated.map(data => data.name));
  const federatedLoads = { extension: [], mimeExtension: [], style: [] };
  for (const data of federated) {
    for (const kind of ['extension', 'mimeExtension']) {
      if (data[kind]) {
        federatedLoads[kind].push(federatedModule(data.name, data[kind]));
      }
    }
    if (data.style && !matchesAny(disabledIds, data.name)) {
      federatedLoads.style.push(federatedModule(data.name, data.style));
    }
  }

  // A prebuilt extension with the name of a core one replaces it, as in JupyterLab.
  function collect(builtins, federatedPromises) {
    return (async () => {
      const plugins = [];
      for (const [name, load] of builtins) {
        if (federatedNames.has(name)) {
          continue;
        }
        try {
          const extension = load();
          extension.__scope__ = name;
          plugins.push(...activePlugins(extension));
        } catch (error) {
          console.error(error);
        }
      }
      for (const result of await Promise.allSettled(federatedPromises)) {
        if (result.status === 'fulfilled') {
          plugins.push(...activePlugins(result.value));
        } else {
          console.error(result.reason);
        }
      }
      return plugins;
    })();
  }

  const mimeExtensions = await collect(builtinMimeExtensions, federatedLoads.mimeExtension);
  const plugins = await collect(builtinExtensions, federatedLoads.extension);
  for (const result of await Promise.allSettled(federatedLoads.style)) {
    if (result.status === 'rejected') {
      console.error(result.reason);
    }
  }

  const pluginRegistry = new JupyterPluginRegistry();
  pluginRegistry.registerPlugins(plugins);
  const connectionStatus = await pluginRegistry.resolveOptionalService(IConnectionStatus);
  const serviceManager = await pluginRegistry.resolveRequiredService(IServiceManager);

  const lab = new JupyterLab({
    pluginRegistry,
    serviceManager,
    mimeExtensions,
    connectionStatus,
    disabled: { matches: disabled, patterns: disabledIds.map(id => id.raw) },
    deferred: { matches: deferred, patterns: deferredIds.map(id => id.raw) },
    availablePlugins
  });
  lab.start({ ignorePlugins, bubblingKeydown: true });

  if (PageConfig.getOption('exposeAppInBrowser').toLowerCase() === 'true') {
    window.jupyterapp = lab;
  }
}
