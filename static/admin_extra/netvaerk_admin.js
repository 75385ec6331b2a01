// The office's admin: give every select2 autocomplete box the name of its field.
//
// Django's autocomplete widget hides the real <select> and draws a select2 "combobox" that is labelled
// only by the text of the current choice: empty until something is chosen, so a screen reader hears a
// nameless box. Here each box is named after its <select>: its <label>, or (in an inline row, which
// has no label) the aria-label the admin gives every inline field.
(function () {
    "use strict";

    function fieldName(select) {
        var label = select.id ? document.querySelector('label[for="' + select.id + '"]') : null;
        var text = label ? label.textContent : select.getAttribute("aria-label") || "";
        return text.replace(/\s+/g, " ").replace(/[:\s]+$/, "").trim();
    }

    function nameBox(container) {
        var select = container.previousElementSibling;
        var box = container.querySelector('[role="combobox"]');
        if (!select || select.tagName !== "SELECT" || !box) {
            return;
        }
        var name = fieldName(select);
        if (!name) {
            return;
        }
        box.setAttribute("aria-label", name);
        box.removeAttribute("aria-labelledby");  // it pointed at the (often empty) current choice
        var rendered = container.querySelector(".select2-selection__rendered");
        if (rendered) {
            rendered.removeAttribute("role");  // a read-only "textbox" inside the box, itself nameless
            rendered.removeAttribute("aria-readonly");
        }
    }

    function nameAll(root) {
        if (root.querySelectorAll) {
            root.querySelectorAll("span.select2-container").forEach(nameBox);
        }
    }

    function start() {
        nameAll(document);
        // select2 draws its boxes after the page loads and again for each new inline row
        new MutationObserver(function (changes) {
            changes.forEach(function (change) {
                change.addedNodes.forEach(function (node) {
                    if (node.nodeType !== 1) {
                        return;
                    }
                    if (node.matches("span.select2-container")) {
                        nameBox(node);
                    } else {
                        nameAll(node);
                    }
                });
            });
        }).observe(document.body, {childList: true, subtree: true});
    }

    if (document.readyState === "loading") {
        document.addEventListener("DOMContentLoaded", start);
    } else {
        start();
    }
})();
