## /settings: язык, рекламные сообщения, день рождения, интересы.

settings-title = <b>⚙️ Настройки</b>
settings-language = Язык: { $language }
settings-marketing-on = Рекламные сообщения: включены
settings-marketing-off = Рекламные сообщения: отключены
settings-birthday = День рождения: { $day }
settings-birthday-unset = День рождения: не указан
settings-interests = Интересы: { $interests }
settings-interests-none = Интересы: не выбраны
settings-marketing-turn-on = 🔔 Присылать предложения
settings-marketing-turn-off = 🔕 Не присылать предложения
settings-birthday-button = 🎂 День рождения
settings-interests-button = ❤️ Интересы
settings-interests-title = <b>Что вам нравится?</b> Отметьте, и мы будем подбирать предложения по вкусу.
settings-back = ⬅️ Назад
settings-language-changed = Язык изменён. Вот ваше меню.
language-en = English
language-ru = Русский
choice-current = ✅ { $label }
choice-other = { $label }

birthday-ask = Напишите дату рождения, например <b>31.12.1990</b>. Проверьте её: изменить дату можно только раз в год. Чтобы отменить, откройте /settings.
birthday-format = Не получается прочитать дату. Напишите день рождения так: <b>31.12.1990</b> (день, месяц, год) — или откройте /settings, чтобы отменить.
birthday-confirm = Ваш день рождения — <b>{ $day }</b>? Изменить его можно только раз в год.
birthday-save = ✅ Да, сохранить
birthday-cancel = Отмена
birthday-locked-alert = Вы меняли дату рождения меньше года назад. Снова изменить её можно с { $date }.

error-choice-invalid = Эта кнопка больше не работает. Откройте /settings заново.
error-birthday-out-of-range = Такой даты рождения не бывает. Напишите настоящую дату, например { $example }.
error-birthday-locked = Дату рождения меняли меньше года назад. Снова изменить её можно с { $date }.
