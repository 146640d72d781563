## Механики на кассе: оплата части счёта баллами, карты со штампами, акции с повышенными баллами.

error-bad-pay = «{ $given }» — непонятно, сколько оплатить баллами. Введите pay= и число баллов, например pay=150, или pay=max — самое большее, что можно для этого счёта.
error-cannot-pay = { $reason ->
    [off] В этой программе баллами нельзя оплачивать счёт. Запишите продажу без pay=.
    [balance] У участника { $balance } баллов, а не { $asked }. Введите pay={ $allowed } или pay=max.
    [share] Баллами можно оплатить не больше { $share }% этого счёта: { $allowed } баллов, а не { $asked }. Введите pay={ $allowed } или pay=max.
   *[nothing] У участника нет баллов, которыми можно оплатить этот счёт (баланс: { $balance }). Запишите продажу без pay=.
}
error-bad-quantity = «{ $given }» — не количество. Введите x и число от x1 до x{ $max }: x2 добавит два штампа. Для одной позиции ничего не пишите.

sale-more-usage = Добавьте pay=150 (или pay=max), чтобы оплатить часть счёта баллами, и x2 для двух позиций на карте со штампами: /sale 104-1 450 coffee x2 pay=max
pay-quote = 💳 Участник №{ $number } оплачивает <b>{ points }</b> из { $amount } { $currency }{ $receipt ->
    [none] {""}
   *[other] {" "}(чек #{ $receipt })
}.
    Баллы покрывают <b>{ $covered } { $currency }</b>; <b>{ $remaining } { $currency }</b> остаётся оплатить деньгами.
    Подтвердите, когда остаток оплачен.
pay-confirm = ✅ Подтвердить
pay-cancel = ✖ Отмена
pay-cancelled = Отменено: ничего не записано.
pay-stale = Это подтверждение уже закрыто. Введите продажу заново.
panel-pay = 💳 Оплата баллами
panel-ask-pay = Сумма счёта участника №{ $number }: баллами можно оплатить до { $share }%. Например { $example }. Можно добавить категорию, #чек, x2 и pay=150, чтобы списать меньше самого большего.
sale-reward = 🎁 Карта заполнена: участнику выдан купон { $code } ({ $title }).
refund-returned = { points } из оплаты возвращены.
refund-stamps-withdrawn = Неиспользованный купон за заполненную этой продажей карту отозван.

till-paid = 💳 { points } оплатили { $covered } { $currency }; { $remaining } { $currency } оплачено деньгами.
till-worth = Это { $amount } { $currency } на кассе.
till-stamps = { $symbol } { $have } из { $total } · { $reward }
till-reward = 🎁 Карта заполнена! Ваш купон <b>{ $code }</b>: { $title }. Покажите его на кассе.
till-promotion = 🔥 { $title }{ $kind ->
    [none] {""}
   *[other] {" "}до { $until }
}
till-returned = ↩️ { points } за эту покупку вернулись.
till-withdrawn = Купон за карту, которую заполнила эта покупка, отозван.
till-until-mon = понедельника
till-until-tue = вторника
till-until-wed = среды
till-until-thu = четверга
till-until-fri = пятницы
till-until-sat = субботы
till-until-sun = воскресенья

kind-pay = Оплачено на кассе
