/* The simulated business-support system (业务受理). Each task card is worked through
 * in order: find the customer, check the presented document, enter the business, work
 * out the fees, take payment and submit; or refuse and say why. The server checks each
 * order against the card; the expected answer never reaches this page. */
(function () {
  "use strict";
  var root = document.getElementById("business");
  if (!root) return;
  var E = window.certifyExam;
  var api = root.dataset.api;
  var $ = function (id) { return document.getElementById(id); };
  var form = $("bss-form");
  var products = {}, current = null, customer = null, verified = false, finished = root.dataset.status !== "in_progress";
  var BUSINESS = {new_fixed: "新装固定电话", new_broadband: "新装宽带", bundle: "e8/e6 套餐", add_addon: "加装附加业务", move: "移机"};
  var PAYMENT = {cash: "现金", bankcard: "银行卡", mobile_pay: "移动支付"};
  var words = {owned: $("sec-addons").dataset.owned, ownedTitle: $("sec-addons").dataset.ownedTitle};

  // --- a draft per task in localStorage: a reload or a crash keeps what was entered ---
  var FIELDS = ["q", "id-type", "id-number", "id-name", "bundle", "target-number", "address", "new-address",
    "fixed-number", "bb-tier", "bb-modem", "advice"];
  function draftKey() { return "certify-bss-" + root.dataset.attempt + "-" + current; }
  function saveDraft() {
    if (!current || restoring) return;
    var draft = {customer: customer, verified: verified, values: {}, radios: {}, addons: [], cancels: []};
    FIELDS.forEach(function (id) { draft.values[id] = $(id).value; });
    ["business", "slot", "payment"].forEach(function (name) {
      var on = form.querySelector("input[name=" + name + "]:checked");
      draft.radios[name] = on ? on.value : "";
    });
    draft.addons = Array.prototype.map.call(form.querySelectorAll("input[name=addon]:checked"), function (x) { return x.value; });
    draft.cancels = checkedCancels();
    try { localStorage.setItem(draftKey(), JSON.stringify(draft)); } catch (e) { /* storage full: the form still works */ }
  }
  var restoring = false;
  function restoreDraft() {
    var draft;
    try { draft = JSON.parse(localStorage.getItem(draftKey())); } catch (e) { draft = null; }
    if (!draft) return;
    restoring = true;
    if (draft.customer) { pick(draft.customer); }
    Object.keys(draft.values).forEach(function (id) { if ($(id)) { $(id).value = draft.values[id]; } });
    Object.keys(draft.radios).forEach(function (name) {
      var box = draft.radios[name] && form.querySelector("input[name=" + name + "][value='" + draft.radios[name] + "']");
      if (box) { box.checked = true; }
    });
    layout();
    if (draft.values["bb-tier"]) { $("bb-tier").value = draft.values["bb-tier"]; }
    // Cancels first: an add-on on the line may be added again only once it is cancelled.
    (draft.cancels || []).forEach(function (code) {
      var box = form.querySelector("input[name=cancel][value='" + code + "']");
      if (box) { box.checked = true; }
    });
    renderAddons();
    draft.addons.forEach(function (code) {
      var box = form.querySelector("input[name=addon][value='" + code + "']");
      if (box && !box.disabled) { box.checked = true; }
    });
    if (draft.verified) { verified = true; $("verify-result").textContent = "已核验"; $("verify-result").className = "verify-ok"; }
    restoring = false;
  }
  form.addEventListener("input", saveDraft);
  form.addEventListener("change", saveDraft);

  function esc(text) { var d = document.createElement("div"); d.textContent = text == null ? "" : String(text); return d.innerHTML; }
  function call(method, path, body) { return E.request(method, api + path, body); }
  function error(text) { var e = $("form-error"); e.textContent = text || ""; e.hidden = !text; }
  var setState = E.saveState($("save-state"));

  // --- the clock ---
  var clock = E.countdown({
    element: $("clock"),
    remaining: root.dataset.remaining,
    warnAt: 60,
    onZero: function () { if (!finished) { resync(); } }
  });
  function resync() {
    call("GET", "business/" + root.dataset.attempt + "/").then(function (res) {
      if (res.status !== 200) return;
      clock.sync(res.body.remaining_seconds);
      if (res.body.status !== "in_progress") { showFinished(); }
    }).catch(function () {});
  }
  function showFinished() {
    // The server says what was submitted and what was not: show its page, the same as after a reload.
    finished = true;
    document.querySelector(".bss").hidden = true;
    clock.stop();
    window.location.reload();
  }

  // --- the catalogue ---
  function option(select, value, label) { var o = document.createElement("option"); o.value = value; o.textContent = label; select.appendChild(o); }
  function byKind(kind) { return Object.keys(products).filter(function (c) { return products[c].kind === kind; }); }
  var catalogueReady = false;
  call("GET", "catalogue/").then(function (res) {
    res.body.products.forEach(function (p) { products[p.code] = p; });
    byKind("bundle").forEach(function (c) { option($("bundle"), c, products[c].name + "（月费 " + products[c].monthly_fee + " 元）"); });
    byKind("broadband").forEach(function (c) { option($("bb-tier"), c, products[c].name + "（月费 " + products[c].monthly_fee + " 元）"); });
    byKind("modem").forEach(function (c) { option($("bb-modem"), c, products[c].name); });
    res.body.number_pool.forEach(function (n) { option($("fixed-number"), n, n); });
    $("addons").innerHTML = byKind("addon").map(function (c) {
      return '<label><input type="checkbox" name="addon" value="' + esc(c) + '"> ' + esc(products[c].name) + "（" + esc(products[c].monthly_fee) + " 元/月）" +
        '<span class="addon-owned" data-owned hidden>' + esc(words.owned) + "</span></label>";
    }).join(" ");
    catalogueReady = true;
    if (current && !finished) { restoreDraft(); }
  });

  // --- tasks ---
  var tabs = document.querySelectorAll("[data-task-tab]");
  function openTask(id) {
    current = String(id);
    document.querySelectorAll("[data-task]").forEach(function (card) { card.hidden = card.dataset.task !== current; });
    tabs.forEach(function (t) { t.classList.toggle("current", t.dataset.taskTab === current); });
    var done = document.querySelector("[data-task='" + current + "']").dataset.submitted === "1";
    form.reset();
    customer = null; verified = false;
    $("customer").hidden = true; $("results").hidden = true; $("search-note").hidden = true;
    $("verify-result").textContent = ""; $("fee-table").hidden = true;
    error("");
    form.querySelectorAll("input, select, button, textarea").forEach(function (el) { el.disabled = done; });
    if (!done) { layout(); if (catalogueReady) { restoreDraft(); } }
    if (done) { error("本任务已提交，不能修改。"); }
  }
  tabs.forEach(function (t) { t.addEventListener("click", function () { openTask(t.dataset.taskTab); }); });
  function nextOpenTask() {
    var open = Array.prototype.filter.call(document.querySelectorAll("[data-task]"), function (c) { return c.dataset.submitted !== "1"; });
    return open.length ? open[0].dataset.task : null;
  }

  // --- 1 customer search ---
  function search() {
    var q = $("q").value.trim();
    if (q.length < 2) { $("search-note").textContent = "请至少输入 2 个字符。"; $("search-note").hidden = false; return; }
    call("GET", "customers/?q=" + encodeURIComponent(q)).then(function (res) {
      var rows = res.body.results || [];
      $("search-note").hidden = rows.length > 0;
      $("search-note").textContent = res.status === 200 ? "没有找到客户资料。" : (res.body.detail || "查询失败");
      $("results").hidden = !rows.length;
      $("results").querySelector("tbody").innerHTML = rows.map(function (c, i) {
        var lines = (c.lines || []).map(function (l) { return esc(l.number) + "（" + esc((products[l.product] || {}).name || l.product) + "）"; }).join("<br>") || "—";
        return "<tr><td>" + esc(c.name) + "</td><td>" + esc(c.id_type) + " " + esc(c.id_number) + "</td><td>" + esc(c.phone || "") + "</td><td>" + lines +
          '</td><td><button type="button" class="button secondary" data-pick="' + i + '">选择</button></td></tr>';
      }).join("");
      $("results").querySelectorAll("[data-pick]").forEach(function (b) {
        b.addEventListener("click", function () { pick(rows[Number(b.dataset.pick)]); });
      });
    }).catch(function () { $("search-note").textContent = "网络中断，请稍后再查询。"; $("search-note").hidden = false; });
  }
  $("search").addEventListener("click", search);
  $("q").addEventListener("keydown", function (e) { if (e.key === "Enter") { e.preventDefault(); search(); } });
  function pick(c) {
    customer = c;
    verified = false;
    $("verify-result").textContent = "";
    $("customer").hidden = false;
    $("customer").innerHTML = "<strong>当前客户：" + esc(c.name) + "</strong><span>" + esc(c.id_type) + " " + esc(c.id_number) + "</span><span>电话 " + esc(c.phone || "—") + "</span>";
    var target = $("target-number");
    target.innerHTML = '<option value="">请选择客户的号码</option>';
    (c.lines || []).forEach(function (l) { option(target, l.number, l.number + "（" + l.address + "）"); });
    $("results").hidden = true;
    saveDraft();
  }

  // --- 2 real-name check ---
  $("verify").addEventListener("click", function () {
    var number = $("id-number").value.trim().toUpperCase(), name = $("id-name").value.trim();
    var out = $("verify-result");
    if (!customer) { out.textContent = "请先查询并选择客户"; out.className = "verify-bad"; return; }
    if (!number || !name) { out.textContent = "请录入证件号码和姓名"; out.className = "verify-bad"; return; }
    verified = true;
    var same = number === customer.id_number.toUpperCase() && name === customer.name;
    out.textContent = same ? "核验通过：证件与客户资料一致" : "证件信息与客户资料不一致，请核实办理人身份";
    out.className = same ? "verify-ok" : "verify-bad";
    saveDraft();
  });
  ["id-type", "id-number", "id-name"].forEach(function (id) {
    $(id).addEventListener("input", function () { verified = false; $("verify-result").textContent = ""; });
  });

  // --- 3 business: show the sections the chosen business needs ---
  function business() { var b = form.querySelector("input[name=business]:checked"); return b ? b.value : ""; }
  function bundleKinds() {
    var b = products[$("bundle").value];
    return b ? (b.components || []).map(function (c) { return (products[c] || {}).kind; }) : [];
  }
  function bundleComponent(kind) {
    var b = products[$("bundle").value];
    return b ? (b.components || []).filter(function (c) { return (products[c] || {}).kind === kind; })[0] : "";
  }
  function needs() {
    var b = business(), kinds = bundleKinds();
    return {
      fixed: b === "new_fixed" || (b === "bundle" && kinds.indexOf("fixed_line") >= 0),
      broadband: b === "new_broadband" || (b === "bundle" && kinds.indexOf("broadband") >= 0),
      target: b === "add_addon" || b === "move",
    };
  }
  function layout() {
    var b = business(), n = needs();
    $("sec-bundle").hidden = b !== "bundle";
    $("sec-target").hidden = !n.target;
    $("sec-move").hidden = b !== "move";
    $("sec-fixed").hidden = !n.fixed;
    $("sec-broadband").hidden = !n.broadband;
    $("sec-address").hidden = !(n.fixed || n.broadband);
    $("sec-addons").hidden = !b || b === "move";
    var tier = bundleComponent("broadband");
    $("bb-tier").disabled = b === "bundle";
    if (b === "bundle") { $("bb-tier").value = tier || ""; }
    renderCancels();
    renderAddons();
    var bundle = products[$("bundle").value];
    $("bundle-detail").textContent = bundle ? "含：" + bundle.components.map(function (c) { return (products[c] || {}).name || c; }).join("、") : "";
    $("fee-table").hidden = true;
  }
  form.addEventListener("change", function (e) {
    if (e.target.name === "business" || e.target.id === "bundle") { layout(); }
    if (e.target.id === "target-number") { renderCancels(); renderAddons(); }
    if (e.target.name === "cancel") { renderAddons(); }
  });
  // The add-ons that cannot be ticked: those the bundle includes, and those already on the number
  // the order is for (the server refuses adding one again, exams/practical/business.py
  // _check_line_addons, unless the same order cancels it).
  function renderAddons() {
    var b = business(), line = needs().target ? targetLine() : null;
    var included = b === "bundle" && products[$("bundle").value] ? products[$("bundle").value].components : [];
    var cancelled = checkedCancels();
    var owned = ((line && line.addons) || []).filter(function (c) { return cancelled.indexOf(c) < 0; });
    form.querySelectorAll("input[name=addon]").forEach(function (box) {
      var inBundle = included.indexOf(box.value) >= 0, onLine = owned.indexOf(box.value) >= 0;
      box.disabled = inBundle || onLine;
      if (box.disabled) { box.checked = false; }
      box.parentNode.title = inBundle ? "套餐已含" : (onLine ? words.ownedTitle : "");
      box.parentNode.style.opacity = box.disabled ? 0.5 : 1;
      box.parentNode.querySelector("[data-owned]").hidden = !onLine;
    });
  }
  function targetLine() {
    return customer ? (customer.lines || []).filter(function (l) { return l.number === $("target-number").value; })[0] || null : null;
  }
  // The add-ons already on the number an add-on order is for: the customer may have one taken off
  // (the server checks it is on that line; a cancellation neither scores nor costs points).
  function renderCancels() {
    var line = business() === "add_addon" ? targetLine() : null;
    var codes = line ? (line.addons || []) : [];
    $("cancels").innerHTML = codes.map(function (c) {
      return '<label><input type="checkbox" name="cancel" value="' + esc(c) + '"> 取消' + esc((products[c] || {}).name || c) + "</label>";
    }).join(" ");
    $("sec-cancel").hidden = !codes.length;
  }
  function checkedCancels() {
    return Array.prototype.map.call(form.querySelectorAll("input[name=cancel]:checked"), function (x) { return x.value; });
  }

  function order(action) {
    var b = business(), n = needs();
    var fixedProduct = bundleComponent("fixed_line") || byKind("fixed_line")[0] || "";
    var slot = form.querySelector("input[name=slot]:checked");
    var pay = form.querySelector("input[name=payment]:checked");
    return {
      customer_id_number: customer ? customer.id_number : "",
      realname: {id_type: $("id-type").value, id_number: $("id-number").value.trim(), name: $("id-name").value.trim(), verified: verified},
      action: action,
      advice: $("advice").value.trim(),
      business: b,
      bundle: b === "bundle" ? $("bundle").value : "",
      fixed_line: n.fixed ? {product: fixedProduct, number: $("fixed-number").value, address: $("address").value.trim(), slot: slot ? slot.value : ""} : null,
      broadband: n.broadband ? {tier: $("bb-tier").value, modem: $("bb-modem").value, address: $("address").value.trim()} : null,
      addons: Array.prototype.map.call(form.querySelectorAll("input[name=addon]:checked"), function (x) { return x.value; }),
      cancel_addons: b === "add_addon" ? checkedCancels() : [],
      target_number: n.target ? $("target-number").value : "",
      new_address: b === "move" ? $("new-address").value.trim() : "",
      payment: pay ? pay.value : ""
    };
  }

  // --- 4 fees ---
  function renderFees(fees, table) {
    table.querySelector("tbody").innerHTML = fees.lines.map(function (l) {
      return "<tr><td>" + esc(l.name) + '</td><td class="num">' + esc(l.monthly) + '</td><td class="num">' + esc(l.one_time) + "</td><td>" + esc(l.note) + "</td></tr>";
    }).join("") || '<tr><td colspan="4" class="muted">无收费项目</td></tr>';
    table.querySelector("tfoot").innerHTML = '<tr><th>合计</th><th class="num">' + esc(fees.monthly_total) + '</th><th class="num">' + esc(fees.one_time_total) +
      "</th><th>本次应收 " + esc(fees.due_now) + " 元</th></tr>";
    table.hidden = false;
  }
  $("fees").addEventListener("click", function () {
    call("POST", "fees/", {order: order("order")}).then(function (res) {
      if (res.status !== 200) { error(res.body.detail || "费用计算失败"); return; }
      error("");
      renderFees(res.body, $("fee-table"));
    });
  });

  // --- 5 submit or refuse ---
  // What an order must contain is decided by the server (exams/practical/business.py,
  // order_gaps): an incomplete order is answered 400 with the list of what is missing.
  var sending = false;
  function send(o) {
    if (sending) return;
    sending = true;
    setState("正在提交…");
    call("POST", "business/tasks/" + current + "/", {order: o}).then(function (res) {
      sending = false;
      if (res.status === 200) {
        setState(document.querySelector("[data-task-tab='" + current + "']").textContent + " 已提交");
        localStorage.removeItem(draftKey());
        var card = document.querySelector("[data-task='" + current + "']");
        card.dataset.submitted = "1";
        card.querySelector("[data-task-done]").hidden = false;
        document.querySelector("[data-task-tab='" + current + "']").classList.add("done");
        receipt(o, res.body);
        if (res.body.status !== "in_progress") { finished = true; }
      } else if (res.status === 409) {
        error(res.body.detail); showFinished();
      } else {
        error(res.body.detail || "提交失败");
      }
    }).catch(function () { sending = false; error("网络中断，受理单未提交，请恢复网络后再点“提交受理”。"); });
  }
  $("submit-order").addEventListener("click", function () { send(order("order")); });
  $("refuse-open").addEventListener("click", function () { $("refuse-dialog").showModal(); $("advice").focus(); });
  $("refuse-cancel").addEventListener("click", function () { $("refuse-dialog").close(); });
  $("refuse-confirm").addEventListener("click", function () {
    $("refuse-dialog").close();
    send(order("refuse"));
  });

  // --- the confirmation (受理单) ---
  function receipt(o, ack) {
    var body = $("receipt-body");
    var when = new Date(ack.submitted_at).toLocaleString("zh-CN", {hour12: false, timeZone: "Asia/Shanghai"});
    var lines = ["<dl class='facts'>",
      "<dt>受理单号</dt><dd data-testid='order-no'>" + esc(ack.order_no) + "</dd>",
      "<dt>受理时间</dt><dd>" + esc(when) + "</dd>",
      "<dt>客户</dt><dd>" + esc(customer ? customer.name : "—") + "</dd>"];
    if (o.action === "refuse") {
      lines.push("<dt>处理结果</dt><dd><strong>不予受理</strong></dd><dt>告知客户</dt><dd>" + esc(o.advice) + "</dd></dl>");
      body.innerHTML = lines.join("");
    } else {
      lines.push("<dt>业务</dt><dd>" + esc(BUSINESS[o.business] || o.business) + (o.bundle ? "：" + esc(products[o.bundle].name) : "") + "</dd>");
      if (o.fixed_line) lines.push("<dt>固话号码</dt><dd>" + esc(o.fixed_line.number) + "，预约" + esc(o.fixed_line.slot) + "上门</dd>");
      if (o.fixed_line || o.broadband) lines.push("<dt>装机地址</dt><dd>" + esc($("address").value) + "</dd>");
      if (o.target_number) lines.push("<dt>办理号码</dt><dd>" + esc(o.target_number) + "</dd>");
      if ((o.cancel_addons || []).length) lines.push("<dt>取消业务</dt><dd>" + o.cancel_addons.map(function (c) { return esc((products[c] || {}).name || c); }).join("、") + "</dd>");
      if (o.new_address) lines.push("<dt>新地址</dt><dd>" + esc(o.new_address) + "</dd>");
      lines.push("<dt>收费方式</dt><dd>" + esc(PAYMENT[o.payment] || "") + "</dd></dl>");
      body.innerHTML = lines.join("") + '<table><thead><tr><th>项目</th><th class="num">月费</th><th class="num">一次性</th><th>说明</th></tr></thead><tbody></tbody><tfoot></tfoot></table><p>客户签名：__________</p>';
      if (ack.fees) renderFees(ack.fees, body.querySelector("table"));
    }
    $("receipt").showModal();
  }
  $("receipt-print").addEventListener("click", function () { window.print(); });
  $("receipt-next").addEventListener("click", function () {
    $("receipt").close();
    var next = nextOpenTask();
    if (next && !finished) { openTask(next); } else { showFinished(); }
  });

  if (!finished) {
    openTask(nextOpenTask() || tabs[0].dataset.taskTab);
    clock.start();
    setInterval(resync, 15000);
  } else { clock.stop(); }
})();
