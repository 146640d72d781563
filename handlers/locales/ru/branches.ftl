## Филиалы, ручные корректировки и уровни, которые меняются в обе стороны.

error-unknown-branch = Филиала «{ $given }» нет. Филиалы: { $branches }. Пример: /staff add 123456789 cashier centre
error-branch-needed = Кассир работает в филиале: добавьте его id в конце. Филиалы: { $branches }. Пример: /staff add 123456789 cashier centre
error-unknown-branch-field = Филиала «{ $given }» нет. Выберите один из: { $branches }.
error-branch-needed-field = Кассир работает в филиале: выберите один из: { $branches }.
staff-branch = Филиал: { $branch }.
stats-branches = <b>По филиалам:</b>
stats-branch-line = { $branch }: продаж { $sales }, { $revenue } { $currency }; +{ $issued } / −{ $redeemed } баллов
stats-no-branch = без филиала (владельцы, администраторы)

cmd-adjust = Начислить или списать баллы вручную: /adjust участник +50 причина
adjust-usage = Начислить или списать баллы вручную: /adjust участник +баллы|-баллы причина
    Пример: /adjust 104-1 +50 пролили кофе, извините
    Причина обязательна: участник прочтёт её в уведомлении.
role-too-low-adjust = Вручную баллы меняют только администраторы и владелец. Чтобы исправить продажу, сделайте возврат (/refund #чек) и запишите её заново; чтобы начислить баллы, запишите продажу (/sale) или попросите администратора.
error-adjust-needs-admin = { role-too-low-adjust }
error-adjust-needs-reason = Укажите причину в нескольких словах (до { $max } символов): участник её прочтёт. Пример: /adjust 104-1 +50 пролили кофе, извините
error-bad-adjustment = «{ $given }» — не корректировка. Введите + или - и целое число: +50, чтобы начислить, -50, чтобы списать.
error-adjust-below-zero = На балансе { $balance }: списание { $asked } сделает его отрицательным. Спишите не больше { $balance }.
adjust-done = ✅ Участник №{ $number }: { $points } баллов ({ $reason }). Баланс: { points-balance }.
adjust-already = Уже сделано: эта корректировка записана один раз.
kind-adjust = Корректировка сотрудником

notice-tier-perks = Ваши привилегии: { $perks }
notice-tier-dropped = Ваш уровень теперь { $tier }: ваши покупки за последние { $days } дн. меньше порога уровня «{ $previous }».
notice-tier-warning = ⏳ Ваш уровень «{ $tier }» закончится { $date }, если до этого дня вы не потратите ещё { $amount } { $currency }.
balance-perks = Ваши привилегии: { $perks }
balance-next-perks = Уровень «{ $tier }» добавит: { $perks }
