## /invite and /stats.

invite-link =
    👥 Invite friends with your personal link:
    { $link }

    When a friend joins through it and makes a first purchase, you get { $inviter } points and your friend { $invitee }.
invite-progress = Friends who joined: { $joined }; first purchases made: { $rewarded }; points you earned: { $points }.

stats-title = <b>{ $programme }: the last { $days } days</b>
stats-members = 👤 Members: { $members } (new: { $joined }); accept offers: { $consent }; bought something: { $buyers }.
stats-sales = 🧾 Sales: { $sales } for { $revenue } { $currency }; average check { $check } { $currency }.
stats-points = ⭐ Points issued: { $issued }; redeemed: { $redeemed }; expired: { $expired }; on balances now: { $outstanding }.
stats-segments = <b>Segments</b>
stats-segment-line = • { $segment }: { $count }
