## /invite и /stats.

invite-link =
    👥 Приглашайте друзей по вашей личной ссылке:
    { $link }

    Когда друг вступит по ней и сделает первую покупку, вы получите { $inviter } баллов, а друг — { $invitee }.
invite-progress = Друзей вступило: { $joined }; сделали первую покупку: { $rewarded }; вы получили баллов: { $points }.

stats-title = <b>{ $programme }: последние { $days } дней</b>
stats-members = 👤 Участников: { $members } (новых: { $joined }); согласны на предложения: { $consent }; совершали покупки: { $buyers }.
stats-sales = 🧾 Продаж: { $sales } на { $revenue } { $currency }; средний чек { $check } { $currency }.
stats-points = ⭐ Начислено баллов: { $issued }; списано: { $redeemed }; сгорело: { $expired }; сейчас на балансах: { $outstanding }.
stats-segments = <b>Сегменты</b>
stats-segment-line = • { $segment }: { $count }
