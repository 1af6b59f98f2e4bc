"use strict";
// What the lobby's pages (kiosk, signage, lobby console) say when the branch is closed, from the state's `calendar`
// (/api/state, /signage/events): the one wording of "今日休息 Closed today" and "下次营业 Next opening". Kept in step with
// CalendarNotice.cs, which says the same in the kiosk's refusal.
const LobbyCalendar = (() => {
  const daysZh = ["周日", "周一", "周二", "周三", "周四", "周五", "周六"];
  const daysEn = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
  const monthsEn = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = n => String(n).padStart(2, "0");

  // An instant (RFC 3339) as the branch's local time: a Date whose UTC fields are the local ones.
  function local(instant, offsetMinutes) {
    return new Date(new Date(instant).getTime() + (offsetMinutes || 0) * 60000);
  }

  function time(d) { return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()); }

  // "12月1日 周一 08:30" / "Mon 1 Dec 08:30"
  function whenZh(d) { return (d.getUTCMonth() + 1) + "月" + d.getUTCDate() + "日 " + daysZh[d.getUTCDay()] + " " + time(d); }
  function whenEn(d) { return daysEn[d.getUTCDay()] + " " + d.getUTCDate() + " " + monthsEn[d.getUTCMonth()] + " " + time(d); }

  // null while tickets can be had (the day is open, or within today's hours before a manager opens it by hand, the
  // state's calendar.today without dayHeld);
  // otherwise { kind: "closed_today" | "closed_now", titleZh, titleEn, note, nextZh, nextEn }.
  function notice(state) {
    const c = state && state.calendar;
    if (!c || !c.today || state.dayOpen) return null;
    const t = c.today;
    const next = c.nextOpening ? local(c.nextOpening, state.utcOffsetMinutes) : null;
    const nextZh = next ? "下次营业 " + whenZh(next) : "";
    const nextEn = next ? "Next opening: " + whenEn(next) : "";
    const note = t.note || "";
    // Today's day was opened and closed (close-day within the hours, or after its close): it cannot open again today.
    const closedForToday = { kind: "closed_now", titleZh: "今日营业已结束", titleEn: "Closed for today", note, nextZh, nextEn };
    if (t.dayHeld) return closedForToday;
    if (t.closed) {
      return { kind: "closed_today", titleZh: "今日休息", titleEn: "Closed today", note, nextZh, nextEn };
    }
    const now = time(local(state.time, state.utcOffsetMinutes));
    if (now < t.open) {
      return { kind: "closed_now", titleZh: "暂未营业", titleEn: "Closed now", note,
        nextZh: "今日 " + t.open + " 开始营业", nextEn: "Opens at " + t.open };
    }
    return now >= t.close ? closedForToday : null;
  }

  // Fills a closed panel (an empty element the page styles: .title with small, .note, .next, .next.en), building
  // its parts on first use: [data-cal=titleZh|titleEn|note|nextZh|nextEn].
  function fill(panel, n) {
    if (!panel.firstElementChild) {
      panel.innerHTML = '<div class="title"><span data-cal="titleZh"></span><small data-cal="titleEn"></small></div>'
        + '<div class="note" data-cal="note"></div><div class="next" data-cal="nextZh"></div><div class="next en" data-cal="nextEn"></div>';
    }
    for (const el of panel.querySelectorAll("[data-cal]")) {
      el.textContent = n ? n[el.dataset.cal] || "" : "";
    }
  }

  // "今日营业 Today 08:30-17:00", "今日休息 Closed today · 国庆节" or "今日营业已结束 Closed for today (08:30-17:00)", for staff.
  function todayLine(state) {
    const t = state && state.calendar && state.calendar.today;
    if (!t) return "";
    if (t.dayHeld && !state.dayOpen) return "今日营业已结束 Closed for today" + (t.open ? " (" + t.open + "-" + t.close + ")" : "");
    if (t.closed) return "今日休息 Closed today" + (t.note ? " · " + t.note : "");
    return "今日营业 Today " + t.open + "-" + t.close + (t.note ? " · " + t.note : "");
  }

  function nextLine(state) {
    const c = state && state.calendar;
    if (!c || !c.nextOpening) return "";
    const next = local(c.nextOpening, state.utcOffsetMinutes);
    return "下次营业 " + whenZh(next) + " · Next opening: " + whenEn(next);
  }

  return { notice, fill, todayLine, nextLine };
})();
