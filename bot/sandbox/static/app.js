// The sandbox page: one phone per person, each drawing its chat from the server's event stream.
"use strict";

const ALLOWED = {
  b: "b", strong: "b", i: "i", em: "i", u: "u", ins: "u", s: "s", strike: "s", del: "s",
  code: "code", pre: "pre", a: "a", "tg-spoiler": "span", blockquote: "blockquote",
};

// Telegram's HTML subset only: other tags keep their text, attributes are dropped (but a link's http(s)/tg href).
function sanitized(html) {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, "text/html").body;
  const out = document.createDocumentFragment();
  const copy = (from, to) => {
    for (const node of from.childNodes) {
      if (node.nodeType === Node.TEXT_NODE) {
        to.append(node.textContent);
      } else if (node.nodeType === Node.ELEMENT_NODE) {
        const name = node.tagName.toLowerCase();
        const spoiler = name === "span" && node.classList.contains("tg-spoiler");
        const tag = spoiler ? "span" : ALLOWED[name];
        if (name === "br") { to.append("\n"); continue; }
        if (name === "script" || name === "style" || name === "template") continue;
        if (!tag) { copy(node, to); continue; }
        const element = document.createElement(tag);
        if (tag === "span") element.className = "spoiler";
        if (tag === "a") {
          const href = node.getAttribute("href") || "";
          if (/^(https?:|tg:)/i.test(href)) { element.href = href; element.target = "_blank"; element.rel = "noopener"; }
        }
        copy(node, element);
        to.append(element);
      }
    }
  };
  copy(parsed, out);
  return out;
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  return response.ok ? response.json() : null;
}

class Phone {
  constructor(person) {
    this.person = person;
    this.messages = new Map();  // bot message id -> its list item
    const root = document.getElementById("phone").content.firstElementChild.cloneNode(true);
    root.setAttribute("aria-label", person.role);
    root.querySelector(".who").textContent = `${person.role}: ${person.name}`;
    this.root = root;
    this.chat = root.querySelector(".chat");
    this.keyboard = root.querySelector(".keyboard");
    this.menu = root.querySelector(".menu");
    const toggle = root.querySelector(".menu-toggle");
    toggle.addEventListener("click", () => this.toggleMenu(toggle));
    const form = root.querySelector(".compose");
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const input = form.elements.text;
      const text = input.value.trim();
      if (text) { input.value = ""; this.send(text); }
    });
    if (person.role.startsWith("Customer")) {
      const share = document.createElement("button");
      share.type = "button";
      share.textContent = "Share my phone";
      share.addEventListener("click", () => post("/api/contact", { user: person.id }));
      root.querySelector(".extras").append(share);
    }
    this.stream = new EventSource(`/api/events/${person.id}`);
    this.stream.onmessage = (event) => this.show(JSON.parse(event.data));
  }

  send(text) { return post("/api/send", { user: this.person.id, text }); }

  async toggleMenu(toggle) {
    const open = this.menu.hidden;
    if (open) {
      const commands = await (await fetch(`/api/menu/${this.person.id}`)).json();
      this.menu.replaceChildren(...commands.map((command) => {
        const item = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.append(`/${command.command}`);
        const desc = document.createElement("span");
        desc.className = "desc";
        desc.textContent = command.description;
        button.append(desc);
        button.setAttribute("aria-label", `/${command.command} ${command.description}`);
        button.addEventListener("click", () => { this.closeMenu(toggle); this.send(`/${command.command}`); });
        item.append(button);
        return item;
      }));
    }
    this.menu.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
  }

  closeMenu(toggle) { this.menu.hidden = true; toggle.setAttribute("aria-expanded", "false"); }

  show(event) {
    if (event.from === "user") {
      const item = document.createElement("li");
      item.className = "msg user";
      item.textContent = event.text;
      this.append(item);
      return;
    }
    let item = this.messages.get(event.id);
    const fresh = !event.edit || !item;
    if (fresh) {
      item = document.createElement("li");
      item.className = "msg bot";
      item.append(document.createElement("div"), document.createElement("div"), document.createElement("div"));
      item.children[0].className = "media";
      item.children[1].className = "text";
      this.messages.set(event.id, item);
    }
    const [media, text, buttons] = item.children;
    if (event.photo) {
      const image = document.createElement("img");
      image.src = event.photo;
      image.alt = event.scan ? "Member card QR code" : "Picture from the bot";
      image.addEventListener("load", () => { this.chat.scrollTop = this.chat.scrollHeight; });
      media.replaceChildren(image);
    } else if (event.document) {
      const link = document.createElement("a");
      link.href = event.document.url;
      link.download = event.document.name;
      link.textContent = `📄 ${event.document.name}`;
      media.replaceChildren(link);
    }
    if (event.html !== undefined) text.replaceChildren(sanitized(event.html));
    this.drawMarkup(event, buttons);
    if (fresh) this.append(item);
  }

  drawMarkup(event, buttons) {
    const markup = event.markup || {};
    const rows = markup.inline_keyboard || [];
    buttons.className = rows.length ? "inline" : "";
    buttons.replaceChildren(...rows.map((row) => this.row(row.map((spec) => this.inlineButton(event.id, spec)))));
    if (event.scan) {
      const scan = document.createElement("button");
      scan.type = "button";
      scan.className = "scan";
      scan.textContent = "Scan with the cashier's phone";
      scan.addEventListener("click", () => post("/api/scan", { user: this.person.id, message: event.id }));
      buttons.append(scan);
    }
    if (markup.keyboard) {
      this.keyboard.replaceChildren(...markup.keyboard.map((row) => this.row(row.map((spec) => this.replyButton(spec)))));
    } else if (markup.remove_keyboard) {
      this.keyboard.replaceChildren();
    }
  }

  row(buttons) {
    const row = document.createElement("div");
    row.className = "row";
    row.append(...buttons);
    return row;
  }

  inlineButton(messageId, spec) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = spec.text;
    button.addEventListener("click", async () => {
      if (spec.callback_data !== undefined) {
        const answer = await post("/api/press", { user: this.person.id, message: messageId, data: spec.callback_data });
        if (answer && answer.answer) this.toast(answer.answer);
      } else if (spec.url) {
        const start = /^https:\/\/t\.me\/[^?]+\?start=(.+)$/.exec(spec.url);
        if (start) this.send(`/start ${decodeURIComponent(start[1])}`);
        else window.open(spec.url, "_blank", "noopener");
      }
    });
    return button;
  }

  replyButton(spec) {
    const text = typeof spec === "string" ? spec : spec.text;
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = text;
    button.addEventListener("click", () => {
      if (spec.request_contact) post("/api/contact", { user: this.person.id });
      else this.send(text);
    });
    return button;
  }

  append(item) {
    this.chat.append(item);
    this.chat.scrollTop = this.chat.scrollHeight;
  }

  toast(text) {
    const note = document.createElement("div");
    note.className = "toast";
    note.setAttribute("role", "status");
    note.textContent = text;
    this.root.append(note);
    setTimeout(() => note.remove(), 4000);
  }
}

async function main() {
  const phones = document.getElementById("phones");
  const people = await (await fetch("/api/people")).json();
  const customers = () => phones.querySelectorAll('section[aria-label^="Customer"]').length;
  for (const person of people) phones.append(new Phone(person).root);
  document.getElementById("new-customer").addEventListener("click", async () => {
    const person = await post("/api/people", {});
    const phone = new Phone(person).root;
    phones.insertBefore(phone, phones.children[customers()] || null);
    phone.querySelector("input").focus();
  });
  document.getElementById("reset").addEventListener("click", async (event) => {
    event.target.disabled = true;
    event.target.textContent = "Starting over…";
    await post("/api/reset", {});
    window.location.reload();
  });
}

main();
