// Книга курса: ipywidgets 8 набирает формулы в подписях виджетов через API MathJax 2
// (MathJax.Hub.Queue), а книга загружает MathJax 3. Этот мостик передаёт такие вызовы
// MathJax 3 (typesetPromise); до его загрузки элементы копятся и набираются после.
(function () {
  "use strict";
  const pending = [];
  const hub = {
    Queue(...commands) {
      for (const command of commands) {
        const element = Array.isArray(command) ? command[2] : undefined;
        if (window.MathJax && window.MathJax.typesetPromise) {
          window.MathJax.startup.promise.then(() => window.MathJax.typesetPromise(element ? [element] : undefined));
        } else {
          pending.push(element);
        }
      }
    },
  };
  const config = window.MathJax || (window.MathJax = {});
  config.Hub = hub;
  const startup = config.startup || (config.startup = {});
  const userReady = startup.ready;
  startup.ready = function () {
    if (userReady) {
      userReady();
    } else {
      window.MathJax.startup.defaultReady();
    }
    window.MathJax.Hub = hub;
    const elements = pending.splice(0).filter(Boolean);
    window.MathJax.startup.promise.then(() => window.MathJax.typesetPromise(elements.length ? elements : undefined));
  };
})();
