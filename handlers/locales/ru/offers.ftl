## Персональные предложения, купоны, коллекции и значки; аналитика в карточке участника для сотрудников.

offers-title = 🎁 <b>Подобрано для вас</b>
offers-none = 🎁 Пока нечего предложить. Заходите: каждый визит рассказывает нам о ваших вкусах.
offer-title = <b>{ $title }</b>
offer-description = { $text }
offer-why = <i>Почему вам: { $reason }</i>
offer-cost = Стоит { points }{ $mode ->
    [reserve] {" "}(вернутся, если купон истечёт неиспользованным)
   *[spend] {""}
}.
offer-coupon-live = Ваш купон: <code>{ $code }</code>, действует до { $date }.
offer-activate = Активировать: { $title }
offer-show-coupon = Показать купон: { $title }
coupons-title = 🎟 <b>Ваши купоны</b>
coupon-held = { $title }:
collection-progress = 🧩 { $title }: { $done } из { $total }
badges-list = 🏅 Ваши значки: { $badges }
badges-none = 🏅 Значков пока нет: соберите коллекцию, чтобы получить первый.

coupon-caption = 🎟 <b>{ $title }</b>
    Купон <code>{ $code }</code>: покажите его на кассе.
coupon-until = Действует до { $date }, один раз.
coupon-points = { points } { $mode ->
    [reserve] зарезервировано: вернутся, если купон истечёт неиспользованным.
   *[spend] списано.
}

reason-birthday = у вас неделя дня рождения. С днём рождения!
reason-missed = мы не видели вас { $number ->
    [one] { $number } день
    [few] { $number } дня
   *[many] { $number } дней
}, и очень ждём.
reason-collection = вы уже попробовали { $number } из { $total }.
reason-rhythm = вы заходите за категорией «{ $category }» { $when }.
reason-favourite = «{ $category }» — то, что вы выбираете чаще всего.
reason-points = у вас { $number } баллов, а это стоит { $total }.
reason-tier = это для участников уровня «{ $tier }», как вы.
reason-visits = вы были у нас уже { $number ->
    [one] { $number } раз
    [few] { $number } раза
   *[many] { $number } раз
}.
reason-first = хорошее начало: ваша первая покупка ещё впереди.

rhythm-weekdays-morning = по будним утрам
rhythm-weekdays-midday = в обед по будням
rhythm-weekdays-afternoon = по будням после обеда
rhythm-weekdays-evening = по будним вечерам
rhythm-weekdays-any = по будням
rhythm-weekends-morning = по утрам в выходные
rhythm-weekends-midday = в обед по выходным
rhythm-weekends-afternoon = в выходные после обеда
rhythm-weekends-evening = по вечерам в выходные
rhythm-weekends-any = по выходным
rhythm-any-morning = по утрам
rhythm-any-midday = в обед
rhythm-any-afternoon = после обеда
rhythm-any-evening = по вечерам

kind-coupon = Купон
kind-birthday = Подарок на день рождения
kind-collection = Коллекция собрана

coupon-redeemed = ✅ Купон <code>{ $code }</code> погашен: <b>{ $title }</b> для участника №{ $number }.
coupon-redeemed-discount = Сделайте скидку { $percent }% на этот заказ.
coupon-redeemed-birthday = На баланс участника начислено { points } в честь дня рождения.
coupon-redeemed-for-member = 🎟 Ваш купон <code>{ $code }</code> ({ $title }) использован. Приятного аппетита!

error-offer-unknown = Предложения «{ $offer }» нет. Откройте /offers, чтобы увидеть свои.
error-offer-unavailable = Это предложение сейчас вам недоступно. Откройте /offers, чтобы увидеть доступные.
error-offer-limit = Вы уже воспользовались этим предложением { $limit ->
    [one] { $limit } раз — это его предел
    [few] { $limit } раза — это его предел
   *[many] { $limit } раз — это его предел
}. Другие — в /offers.
error-coupon-unknown = «{ $code }» — не код купона. Коды выглядят так: K7MX-2QPA. Попросите участника открыть купон заново.
error-coupon-used = Купон { $code } уже погашен { $date }. Купон действует один раз.
error-coupon-expired = Срок купона { $code } истёк { $date }. Актуальные предложения участник видит в /offers.
error-coupon-foreign = Купон { $code } принадлежит другому участнику, а не участнику №{ $member }. Попросите его собственный купон.

insight-none = 📊 Аналитики пока нет: она появится после первой покупки или ночного пересчёта.
insight-segment = 📊 Сегмент: <b>{ $segment }</b> · R{ $r } F{ $f } M{ $m }
insight-rhythm = 🕒 Обычно: { $days }; { $hours } ч
insight-favourites = ❤️ Любимое: { $categories }
insight-next-visit = 📅 Ожидаемый визит: { $date }
insight-discounts = 🏷 Зависимость от скидок: { $percent }% погашенных купонов — скидки
insight-best-offer = 🎁 Лучшее предложение для рассылки: { $title }
insight-coupon = 🎟 Купон <code>{ $code }</code>: { $title }, до { $date }

segment-champions = чемпионы
segment-loyal = лояльные
segment-promising = перспективные
segment-new = новые
segment-at_risk = под угрозой ухода
segment-hibernating = спящие
segment-lost = потерянные
weekday-0 = пн
weekday-1 = вт
weekday-2 = ср
weekday-3 = чт
weekday-4 = пт
weekday-5 = сб
weekday-6 = вс
