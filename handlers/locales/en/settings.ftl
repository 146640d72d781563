## /settings: language, promotional messages, birthday, interests.

settings-title = <b>⚙️ Settings</b>
settings-language = Language: { $language }
settings-marketing-on = Promotional messages: on
settings-marketing-off = Promotional messages: off
settings-birthday = Birthday: { $day }
settings-birthday-unset = Birthday: not set
settings-interests = Interests: { $interests }
settings-interests-none = Interests: none chosen
settings-marketing-turn-on = 🔔 Send me offers
settings-marketing-turn-off = 🔕 Stop offers
settings-birthday-button = 🎂 Birthday
settings-interests-button = ❤️ Interests
settings-interests-title = <b>What do you like?</b> Tap to choose; we pick offers for you from this.
settings-back = ⬅️ Back
settings-language-changed = Language changed. Here is your menu.
language-en = English
language-ru = Русский
choice-current = ✅ { $label }
choice-other = { $label }

birthday-ask = Type your birthday like <b>31.12.1990</b>. Please check it: it can be changed only once a year. To cancel, open /settings.
birthday-format = That is not a date I can read. Type your birthday like <b>31.12.1990</b> (day, month, year), or open /settings to cancel.
birthday-confirm = Your birthday is <b>{ $day }</b>? It can be changed only once a year.
birthday-save = ✅ Yes, save
birthday-cancel = Cancel
birthday-locked-alert = You changed your birthday less than a year ago. You can change it again from { $date }.

error-choice-invalid = This button is no longer active. Please open /settings again.
error-birthday-out-of-range = That date cannot be a birthday. Type your real birthday like { $example }.
error-birthday-locked = Your birthday was changed less than a year ago. You can change it again from { $date }.
