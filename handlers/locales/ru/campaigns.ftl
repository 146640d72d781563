## Рассылки: составление, список, отмена, эффект и то, что получают участники.

campaign-members = { $count ->
    [one] { $count } участник
    [few] { $count } участника
   *[many] { $count } участников
}

## Что получает участник

campaign-offer = 🎁 <b>{ $title }</b>
    { $description }
campaign-coupon = Ваш код купона: <code>{ $code }</code>, действует до { $date }
campaign-coupon-sample = XXXXXXXX

## Пошаговое составление

campaign-ask-segment = <b>Новая рассылка, шаг 1 из 5.</b> Кому её отправить? Числа считают участников, согласных получать предложения. Можно и написать название сегмента.
campaign-segment-button = { $segment } · { $size }
campaign-ask-text = <b>Шаг 2 из 5.</b> Пришлите текст так, как его должны увидеть участники (жирный, курсив и ссылки сохранятся). Чтобы добавить картинку, пришлите фото с текстом в подписи.
campaign-ask-offer = <b>Шаг 3 из 5.</b> Добавить к сообщению предложение? Если оно не стоит баллов, каждый получатель получит свой код купона.
campaign-offer-none = Без предложения
campaign-offer-personal = ✨ Лучшее предложение для каждого
campaign-ask-when = <b>Шаг 4 из 5.</b> Когда отправить? Нажмите «Сейчас» или напишите дату и время ({ $zone }), например <code>{ $example }</code>.
campaign-when-now = Сейчас
campaign-ask-holdout = <b>Шаг 5 из 5.</b> Какой доле аудитории ничего не отправлять, чтобы по этой контрольной группе измерить эффект? Нажмите кнопку или напишите число от 0 до { $limit }.
campaign-holdout-button = { $percent }%
campaign-preview = Так сообщение увидят участники:
campaign-preview-personal = Под текстом каждый участник увидит своё лучшее предложение и код купона.
campaign-summary =
    <b>Всё готово</b>
    Аудитория: { $segment } ({ campaign-members })
    Когда: { $when }
    Предложение: { $offer }
    Контрольная группа: { $holdout }%
campaign-summary-now = сейчас
campaign-confirm = ✅ Подтвердить
campaign-abort = ✖ Отменить
campaign-aborted = Ничего не отправлено. Начать заново: /campaign.
campaign-dialogue-expired = Этот черновик уже закрыт. Начать заново: /campaign.
campaign-not-a-segment = Сегмента «{ $segment }» нет. Нажмите кнопку или напишите один из: { $segments }.
campaign-bad-holdout-number = Напишите целое число от 0 до { $limit }, например <code>10</code>.

## Создание, список, отмена

campaign-created-now = Рассылка №{ $id } для сегмента { $segment } начинается сейчас. Ход отправки — в /campaigns.
campaign-created-later = Рассылка №{ $id } для сегмента { $segment } запланирована на { $when } ({ $zone }). Отменить: /campaign_cancel { $id }.
campaign-quiet-hours = Сейчас тихие часы, до { $until }: сообщения подождут до этого времени.
campaign-usage =
    Чтобы составить рассылку по шагам, отправьте /campaign без параметров. Одной строкой:
    <code>/campaign &lt;сегмент&gt; &lt;когда&gt; [offer=&lt;id&gt;] [holdout=&lt;процент&gt;] | &lt;текст&gt;</code>
    Например: <code>/campaign at_risk 2026-12-01 10:00 offer=comeback_20 holdout=10 | Мы скучаем!</code>
    &lt;когда&gt; — это <code>now</code> или дата и время ({ $zone }).
campaign-bad-time = «{ $value }» — непонятное время. Напишите <code>now</code> или дату и время ({ $zone }), например <code>{ $example }</code>.
campaign-bad-option = Параметр «{ $option }» мне неизвестен. Используйте <code>offer=&lt;id&gt;</code> и <code>holdout=&lt;процент&gt;</code>, например <code>offer=comeback_20 holdout=10</code>.
campaign-id-usage = Напишите номер рассылки, например <code>/{ $command } 12</code>. Список — в /campaigns.
campaign-list-empty = Рассылок пока нет. Составить: /campaign.
campaign-list-title = <b>Рассылки</b> (сначала новые):
campaign-list-line = №{ $id } · { $status } · { $segment } · { $when }
campaign-list-progress = обработано { $done } из { $audience }: отправлено { $sent }, в контрольной группе { $held_out }
campaign-status-scheduled = 🕒 запланирована
campaign-status-running = ▶️ отправляется
campaign-status-done = ✅ завершена
campaign-status-cancelled = ✖ отменена
campaign-kind-birthday = поздравления с днём рождения
campaign-kind-expiring_points = сгорающие баллы
campaign-kind-win_back = возвращение
campaign-cancelled = Рассылка №{ $id } отменена: её не получат { campaign-members }, до которых она ещё не дошла.
campaign-finished =
    Рассылка №{ $id } завершена.
    Отправлено: { $sent }, заблокировали бота: { $blocked }, ошибки: { $failed }, неизвестно: { $unknown }, контрольная группа: { $held_out }.
    Эффект: /campaign_stats { $id }.

## Доставка и эффект

campaign-stats-title = <b>Рассылка №{ $id }</b> · { $status } · { $segment }
campaign-stats-delivery =
    Доставлено: { $sent }
    Заблокировали бота: { $blocked }
    Ошибки: { $failed }
    Неизвестно (бот остановился во время отправки): { $unknown }
    Пропущено (отказались от рассылок до своей очереди): { $skipped }
    Не отправлено (контрольная группа): { $held_out }
    Ещё в очереди: { $waiting }
campaign-stats-not-started = Рассылка ещё не началась: она запланирована на { $when }.
campaign-stats-effect =
    <b>Эффект за { $days } дн.</b> (с { $since } по { $until }):
    Получатели: купили { $recipients_rate }%, { $recipients_spend } { $currency } на участника
    Контрольная группа: купили { $holdout_rate }%, { $holdout_spend } { $currency } на участника
    Разница: { $rate_diff } п. п., { $spend_diff } { $currency } на участника
    Купоны: выдано { $issued }, использовано { $redeemed }
campaign-stats-no-holdout = Контрольной группы нет, поэтому разницу измерить нельзя.
campaign-chart-title = Покупки нарастающим итогом на 100 участников
campaign-chart-recipients = Получатели
campaign-chart-holdout = Контрольная группа
campaign-chart-day = Дни с начала рассылки

## Отказы

error-campaign-segment = Сегмента «{ $segment }» нет. Используйте один из: { $segments }.
error-campaign-text-empty = Сообщение пустое. Напишите текст для участников, например <code>/campaign all now | Сегодня свежие круассаны!</code>
error-campaign-text-long = В тексте { $length } символов; уложитесь в { $limit }, чтобы он поместился в одно сообщение.
error-campaign-offer = Предложения «{ $offer }» нет. Используйте одно из: { $offers }.
error-campaign-holdout = Контрольная группа должна быть от 0 до { $limit } процентов, а не { $percent }. Например: <code>holdout=10</code>.
error-campaign-past = Время { $when } уже прошло. Напишите <code>now</code> или время в будущем.
error-campaign-not-found = Рассылки №{ $campaign } нет. Список — в /campaigns.
error-campaign-not-cancellable = Рассылка №{ $campaign } уже { $status ->
    [done] завершена
   *[cancelled] отменена
}: отменять нечего.
