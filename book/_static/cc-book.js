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

// Книга для каждого читателя: телефон, клавиатура, экранный диктор, пауза анимаций.
(function () {
  "use strict";

  // Кнопки ☰ и «Содержание» (D1). С pydata-sphinx-theme 0.17 на странице по две кнопки
  // .primary-toggle и .secondary-toggle, а скрипты тем слушают только первую (скрытую) —
  // pydata-sphinx-theme#2451, sphinx-book-theme#988. Нажатие видимой передаётся первой.
  function forwardToggles() {
    for (const kind of ["primary", "secondary"]) {
      const [first, ...rest] = document.querySelectorAll(`.${kind}-toggle`);
      for (const button of rest) {
        button.addEventListener("click", (event) => {
          event.preventDefault();
          event.stopPropagation();
          first.click();
        });
      }
    }
  }

  // Подпись элемента виджета — текст его подписи (.widget-label) или описание обозревателя.
  function widgetLabel(element) {
    const box = element.closest(".widget-inline-hbox, .widget-slider, .widget-hslider, .widget-vslider, .widget-dropdown");
    const label = box && box.querySelector(".widget-label");
    // видимый текст подписи; title у ipywidgets бывает строкой "null"
    const title = label ? label.getAttribute("title") : null;
    const text = label ? (label.textContent.trim() || (title && title !== "null" ? title : "")) : "";
    return text.replace(/\s+/g, " ");
  }

  function explorerTitle(element) {
    const cell = element.closest(".cell_output, .cell");
    const title = cell && cell.querySelector(".widget-html b, .widget-html strong, .widget-html h3, .widget-html h4");
    return title ? title.textContent.trim().replace(/\s+/g, " ") : "";
  }

  // Виджеты в книге только показывают сохранённое состояние (D11): элементы управления не получают
  // фокус и помечены недоступными; у ползунков — имя (D10), у картинок — описание (D9).
  function tidyWidgets(root) {
    root.querySelectorAll(".cell_output .jupyter-widgets [role=slider], .cell_output .jupyter-widgets .noUi-handle").forEach((handle) => {
      if (!handle.getAttribute("aria-label")) {
        handle.setAttribute("aria-label", widgetLabel(handle) || "Ползунок");
      }
      handle.setAttribute("tabindex", "-1");
      handle.setAttribute("aria-disabled", "true");
    });
    root.querySelectorAll(".cell_output .jupyter-widgets :is(input, select, button, textarea)").forEach((control) => {
      // имя кнопки — её текст; подпись нужна только полям без текста и без <label>
      const named = control.getAttribute("aria-label") || control.labels?.length || (control.tagName === "BUTTON" && control.textContent.trim());
      if (!named) {
        control.setAttribute("aria-label", widgetLabel(control) || "Элемент управления");
      }
      control.setAttribute("tabindex", "-1");
      control.setAttribute("aria-disabled", "true");
    });
    root.querySelectorAll(".cell_output .jupyter-widgets .widget-readout[contenteditable]").forEach((readout) => {
      readout.setAttribute("contenteditable", "false");
    });
    root.querySelectorAll(".cell_output img.widget-image:not([alt])").forEach((img) => {
      const title = explorerTitle(img);
      img.setAttribute("alt", title ? `Рисунок обозревателя: ${title}` : "Рисунок обозревателя (сохранённое состояние)");
    });
  }

  function watchWidgets() {
    tidyWidgets(document);
    let queued = false;
    new MutationObserver(() => {
      if (!queued) {
        queued = true;
        requestAnimationFrame(() => {
          queued = false;
          tidyWidgets(document);
        });
      }
    }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["aria-label"] });
    // клавиши не двигают ползунки книги, даже если фокус туда попал
    document.addEventListener(
      "keydown",
      (event) => {
        if (event.target.closest && event.target.closest(".cell_output .jupyter-widgets")) {
          event.stopPropagation();
          event.preventDefault();
        }
      },
      true,
    );
  }

  // Анимации (D18): кнопка «пауза/запуск» под каждой; при prefers-reduced-motion — стоят с начала
  // и показывают последний кадр (итог), пока читатель не запустит их сам.
  async function lastFrame(img) {
    const match = /^data:(image\/(?:webp|gif|png));base64,(.*)$/.exec(img.src);
    const canvas = document.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    const ctx = canvas.getContext("2d");
    try {
      if (!match || !("ImageDecoder" in window)) throw new Error("нет ImageDecoder");
      const bytes = Uint8Array.from(atob(match[2]), (c) => c.charCodeAt(0));
      const decoder = new ImageDecoder({ data: bytes, type: match[1] });
      await decoder.tracks.ready;
      const count = decoder.tracks.selectedTrack.frameCount;
      const { image } = await decoder.decode({ frameIndex: Math.max(0, count - 1) });
      ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
      image.close();
      decoder.close();
    } catch (e) {
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    }
    return canvas.toDataURL("image/png");
  }

  function setupAnimations() {
    const reduce = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    document.querySelectorAll("img.cc-animation").forEach((img, i) => {
      const moving = img.src;
      let still = null;
      const button = document.createElement("button");
      button.type = "button";
      button.className = "cc-anim-toggle";
      const show = (playing) => {
        button.textContent = playing ? "⏸ Остановить анимацию" : "▶ Запустить анимацию";
        button.setAttribute("aria-pressed", playing ? "false" : "true");
        img.dataset.playing = playing ? "1" : "0";
      };
      const stop = async () => {
        still = still || (await lastFrame(img));
        img.src = still;
        show(false);
      };
      button.addEventListener("click", async () => {
        if (img.dataset.playing === "1") {
          await stop();
        } else {
          img.src = moving;
          show(true);
        }
      });
      img.insertAdjacentElement("afterend", button);
      show(true);
      if (reduce) {
        const go = () => stop();
        img.complete ? go() : img.addEventListener("load", go, { once: true });
      }
    });
  }

  function ready() {
    forwardToggles();
    watchWidgets();
    setupAnimations();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
