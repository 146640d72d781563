## Касса: продажи, списания, возвраты, панель участника, сотрудники, жалобы и история участника.

error-bad-amount = «{ $given }» — не сумма, которую можно записать. Введите так: 450, { $example } или 450,50: больше нуля, не больше { $max }, не больше двух знаков после запятой.
error-bad-points = «{ $given }» — не число баллов. Введите целое число, например 150.
error-unknown-category = Категории «{ $given }» нет. Используйте одну из: { $valid }.
error-bad-receipt = «{ $given }» — не номер чека. Введите так: #A-1042 (буквы, цифры, - или /).
error-unknown-receipt = Продажа с чеком #{ $receipt } не записывалась. Проверьте номер на чеке.
error-limit-exceeded = { $limit ->
    [max_sale] Кассир может записать продажу не больше { $allowed }; для { $asked } нужен администратор или владелец. Владелец уведомлён.
    [adjust_points_per_day] Так вы превысите { $allowed } баллов в день, которые можно начислить или списать вручную (уже { $used }, просите ещё { $asked }). Обратитесь к владельцу. Владелец уведомлён.
   *[points_per_day] Так вы превысите свои { $allowed } баллов на сегодня (уже { $used }, просите ещё { $asked }). Владелец уведомлён.
}
error-own-membership = Это ваша собственная карта участника: сотрудники не записывают продажи и не списывают баллы на себя. Попросите коллегу.
error-refund-needs-manager = { $reason ->
    [max_sale] Кассир может вернуть продажу не больше { $allowed }; эта была на { $amount }. Попросите администратора или владельца.
   *[window] Этой продаже больше { $days } дн., а вернуть можно в течение { $days } дн. Попросите администратора или владельца.
}
error-bad-staff-role = Роли сотрудников: { $roles }. Пример: /staff add 123456789 cashier
error-owner-from-settings = Владельцы задаются в настройке ADMIN_IDS, здесь их нельзя добавить или убрать.
error-not-staff = Пользователь { $user } не { $role }. Проверьте id и роль.
error-unknown-entry = Этой записи нет в вашей истории.

sale-usage = Записать продажу: /sale участник сумма [категория] [#чек]
    Пример: /sale 104-1 450,50 coffee #A-1042
    Участник — номер участника как на его карте, с дефисом и контрольной цифрой после него (104-1), телефон (+79001234567) или код отсканированной карты.
redeem-usage = Списать баллы участника: /redeem участник баллы
    Пример: /redeem 104-1 150
refund-usage = Отменить продажу: /refund #чек
    Пример: /refund #A-1042
member-usage = Найти участника: /member номер, телефон или код карты
    Пример: /member 104-1 или /member +79001234567
staff-usage = Сотрудники: /staff add user_id роль [макс_продажа] [баллов_в_день] [филиал] или /staff remove user_id роль
    Пример: /staff add 123456789 cashier 5000 2000, или /staff add 123456789 cashier centre в филиале
    Роли: cashier, admin. Свой id пользователь узнаёт у @userinfobot.

sale-recorded = ✅ Продажа на { $amount } { $currency } записана участнику №{ $number }{ $receipt ->
    [none] {""}
   *[other] , чек #{ $receipt }
}: +{ points }. Баланс: { points-balance }.
sale-promoted = 🎉 Участник перешёл на уровень { $tier }.
sale-already = Уже записано: эта продажа{ $receipt ->
    [none] {""}
   *[other] {" "}с чеком #{ $receipt }
} уже была внесена участнику №{ $number }. Ничего не изменилось.
redeem-done = ✅ Участник №{ $number } списал { points }. Баланс: { points-balance }.
redeem-already = Уже записано: это списание уже было внесено. Ничего не изменилось.
refund-done = ↩️ Чек #{ $receipt } ({ $amount } { $currency }) возвращён, участник №{ $number }: снято { points }. Баланс: { points-balance }.
refund-unrecovered = Участник уже потратил { points } из этой покупки; они остаются у него, баланс не уходит ниже нуля.
refund-already = Уже записано: чек #{ $receipt } уже возвращён. Ничего не изменилось.
points-balance = { $balance ->
    [one] { $balance } балл
    [few] { $balance } балла
   *[many] { $balance } баллов
}

panel-title = 👤 Участник <b>№{ $number }</b>{ $name ->
    [none] {""}
   *[other] {" "}· { $name }
}
panel-phone = Телефон: { $phone }
panel-points = Баланс: <b>{ points }</b> · Уровень: { $tier }
panel-spend = Потрачено: { $amount } { $currency } за { $count ->
    [one] { $count } покупку
    [few] { $count } покупки
   *[many] { $count } покупок
}
panel-recent = Последние покупки:
panel-purchase = • { $date }: { $amount } { $currency }{ $category ->
    [none] {""}
   *[other] , { $category }
}{ $receipt ->
    [none] {""}
   *[other] , #{ $receipt }
}{ $refunded ->
    [yes] {" "}(возврат)
   *[no] {""}
}
panel-no-purchases = Покупок пока нет.
panel-sale = 🧾 Продажа
panel-redeem = ⭐ Списать баллы
panel-ask-sale = Сумма продажи участнику №{ $number }, например { $example }. Можно добавить категорию и #чек: 450,50 coffee #A-1042
panel-ask-redeem = Сколько баллов списать участнику №{ $number }? Например: 150
panel-stale = Эта панель устарела. Отсканируйте карту участника ещё раз или используйте /member.

kind-sale = Покупка
kind-redeem = Списано на кассе
kind-refund = Возврат покупки
kind-expire = Сгорели
kind-welcome = Приветственный бонус
kind-referral = Бонус за друга
notice-earned = ⭐ +{ points }: { $kind }{ $reason ->
    [none] {""}
   *[other] {" "}({ $reason })
}. Баланс: { points-balance }.
notice-spent = ➖ { points }: { $kind }{ $reason ->
    [none] {""}
   *[other] {" "}({ $reason })
}. Баланс: { points-balance }.
notice-promoted = 🎉 Вы достигли уровня { $tier }! Спасибо, что возвращаетесь.
notme-button = Это был не я
notme-thanks = Спасибо. Мы сообщили владельцу и разберёмся.
notme-already = Вы уже сообщили об этой записи. Владелец разберётся.

limit-breach-report = ⚠️ Сотруднику { $cashier } отказано: { $limit ->
    [max_sale] продажа на { $asked } (лимит { $allowed }).
    [adjust_points_per_day] ручная корректировка на { $asked } баллов (сегодня уже { $used }, лимит { $allowed }).
   *[points_per_day] ещё { $asked } баллов сегодня (уже { $used }, лимит { $allowed }).
}

refund-shortfall-report = ⚠️ Возврат чека #{ $receipt } ({ $by }): { $points } баллов участника №{ $member } не удалось вернуть (уже потрачены).

history-title = 📜 Ваши баллы, сначала новые (страница { $page } из { $pages }):
history-line = { $date }: { $sign }{ $points } · { $kind }{ $reason ->
    [none] {""}
   *[other] {" "}({ $reason })
}
history-empty = Записей пока нет. Покажите карту (/card) на кассе, чтобы получить баллы.
history-newer = ◀ Новее
history-older = Старее ▶

staff-added = ✅ Пользователь { $user } теперь { $role }.
staff-limits = Лимиты: продажи до { $max_sale } { $currency }, { $points_per_day } баллов в день.
staff-removed = Пользователь { $user } больше не { $role }.
staff-welcome = Теперь вы { $role } программы { $programme }. Наберите /, чтобы увидеть свои команды, или сканируйте карту участника камерой телефона.

flags-empty = Жалоб на записи нет.
flags-title = <b>Записи, о которых участники сказали «это был не я»</b>, сначала новые:
flags-line = • { $date }: участник №{ $number }, { $sign }{ $points } { $kind }{ $reason ->
    [none] {""}
   *[other] {" "}({ $reason })
}, провёл { $actor }
flags-system = система
console-button = Консоль
console-open = Консоль: программа, сотрудники, показатели и выгрузки.
console-off = Консоль выключена: задайте CONSOLE_URL (публичный HTTPS-адрес веб-сервера бота) и перезапустите бота. Как это сделать, описано в README.
staff-invitation = Вас приглашают в { $programme } на роль { $role }. Нажмите кнопку, чтобы принять приглашение.
staff-invitation-accept = Стать: { $role }
staff-invitation-joined = ✅ Теперь вы { $role } в { $programme }.
error-invitation-unknown = Эта ссылка-приглашение не работает. Попросите владельца прислать новую.
error-invitation-used = Это приглашение уже использовано. Попросите владельца прислать новую ссылку.
error-invitation-expired = Срок приглашения истёк (ссылка действует 24 часа). Попросите владельца прислать новую.
