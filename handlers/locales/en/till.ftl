## The till: sales, redemptions, refunds, the member panel, staff, flags, and the member's history.

error-bad-amount = "{ $given }" is not an amount I can record. Type it like 450, { $example } or 450,50: more than zero, at most { $max }, two decimals at most.
error-bad-points = "{ $given }" is not a number of points. Type a whole number, for example 150.
error-unknown-category = There is no category "{ $given }". Use one of: { $valid }.
error-bad-receipt = "{ $given }" is not a receipt number. Type it like #A-1042 (letters, digits, - or /).
error-unknown-receipt = No sale with receipt #{ $receipt } was recorded. Check the number on the receipt.
error-limit-exceeded = { $limit ->
    [max_sale] A cashier can record sales of up to { $allowed }; { $asked } needs an admin or the owner. The owner has been told.
    [adjust_points_per_day] This would take you past the { $allowed } points a day you may adjust by hand ({ $used } used, { $asked } more asked). Ask the owner. The owner has been told.
   *[points_per_day] This would take you past your { $allowed } points for today ({ $used } used, { $asked } more asked). The owner has been told.
}
error-own-membership = This is your own membership: staff do not record sales or spend points on their own card. Ask a colleague to do it.
error-refund-needs-manager = { $reason ->
    [max_sale] A cashier can refund sales of up to { $allowed }; this one was { $amount }. Ask an admin or the owner to refund it.
   *[window] This sale is older than { $days } days, the refund window. Ask an admin or the owner to refund it.
}
error-bad-staff-role = Staff roles are: { $roles }. Example: /staff add 123456789 cashier
error-owner-from-settings = Owners are set in the bot's ADMIN_IDS setting and cannot be added or removed here.
error-not-staff = User { $user } is not a { $role }. /staff lists nobody by mistake: check the id and the role.
error-unknown-entry = This entry is not in your history.

sale-usage = To record a sale: /sale member amount [category] [#receipt]
    Example: /sale 104-1 450.50 coffee #A-1042
    The member is a member number as on their card, with the dash and the check digit after it (104-1), a phone number (+79001234567) or a scanned card code.
redeem-usage = To spend a member's points: /redeem member points
    Example: /redeem 104-1 150
refund-usage = To reverse a sale: /refund #receipt
    Example: /refund #A-1042
member-usage = To look a member up: /member number, phone or card code
    Example: /member 104-1 or /member +79001234567
staff-usage = To manage staff: /staff add user_id role [max_sale] [points_per_day] [branch] or /staff remove user_id role
    Example: /staff add 123456789 cashier 5000 2000, or /staff add 123456789 cashier centre at a branch
    Roles: cashier, admin. The user finds their id with @userinfobot.

sale-recorded = ✅ Sale of { $amount } { $currency } recorded for member №{ $number }{ $receipt ->
    [none] {""}
   *[other] , receipt #{ $receipt }
}: +{ points }. Balance: { points-balance }.
sale-promoted = 🎉 The member moved up to { $tier }.
sale-already = Already recorded: this sale{ $receipt ->
    [none] {""}
   *[other] {" "}with receipt #{ $receipt }
} was entered before for member №{ $number }. Nothing was changed.
redeem-done = ✅ { points } spent by member №{ $number }. Balance: { points-balance }.
redeem-already = Already recorded: this redemption was entered before. Nothing was changed.
refund-done = ↩️ Receipt #{ $receipt } ({ $amount } { $currency }) refunded for member №{ $number }: { points } taken back. Balance: { points-balance }.
refund-unrecovered = The member had already spent { points } of this sale; they keep those, the balance does not go below zero.
refund-already = Already recorded: receipt #{ $receipt } was refunded before. Nothing was changed.
points-balance = { $balance ->
    [one] { $balance } point
   *[other] { $balance } points
}

panel-title = 👤 Member <b>№{ $number }</b>{ $name ->
    [none] {""}
   *[other] {" "}· { $name }
}
panel-phone = Phone: { $phone }
panel-points = Balance: <b>{ points }</b> · Tier: { $tier }
panel-spend = Spent: { $amount } { $currency } in { $count ->
    [one] { $count } purchase
   *[other] { $count } purchases
}
panel-recent = Last purchases:
panel-purchase = • { $date }: { $amount } { $currency }{ $category ->
    [none] {""}
   *[other] , { $category }
}{ $receipt ->
    [none] {""}
   *[other] , #{ $receipt }
}{ $refunded ->
    [yes] {" "}(refunded)
   *[no] {""}
}
panel-no-purchases = No purchases yet.
panel-sale = 🧾 Sale
panel-redeem = ⭐ Redeem points
panel-ask-sale = Amount of the sale for member №{ $number }, for example { $example }. You may add a category and #receipt: 450.50 coffee #A-1042
panel-ask-redeem = How many points does member №{ $number } spend? For example: 150
panel-stale = This panel is old. Scan the member's card again or use /member.

kind-sale = Purchase
kind-redeem = Spent at the till
kind-refund = Purchase refunded
kind-expire = Expired
kind-welcome = Welcome bonus
kind-referral = Friend bonus
notice-earned = ⭐ +{ points }: { $kind }{ $reason ->
    [none] {""}
   *[other] {" "}({ $reason })
}. Balance: { points-balance }.
notice-spent = ➖ { points }: { $kind }{ $reason ->
    [none] {""}
   *[other] {" "}({ $reason })
}. Balance: { points-balance }.
notice-promoted = 🎉 You have reached { $tier }! Thank you for coming back.
notme-button = This wasn't me
notme-thanks = Thank you. We have told the owner and will look into it.
notme-already = You have already reported this one. The owner will look into it.

limit-breach-report = ⚠️ Staff member { $cashier } was refused: { $limit ->
    [max_sale] a sale of { $asked } (limit { $allowed }).
    [adjust_points_per_day] an adjustment of { $asked } points by hand ({ $used } adjusted today, limit { $allowed }).
   *[points_per_day] { $asked } more points today ({ $used } used, limit { $allowed }).
}

refund-shortfall-report = ⚠️ Refund of receipt #{ $receipt } by { $by }: { $points } points of member №{ $member } could not be taken back (already spent).

history-title = 📜 Your points, newest first (page { $page } of { $pages }):
history-line = { $date }: { $sign }{ $points } · { $kind }{ $reason ->
    [none] {""}
   *[other] {" "}({ $reason })
}
history-empty = No entries yet. Show your card with /card at the till to earn points.
history-newer = ◀ Newer
history-older = Older ▶

staff-added = ✅ User { $user } is now a { $role }.
staff-limits = Limits: sales up to { $max_sale } { $currency }, { $points_per_day } points a day.
staff-removed = User { $user } is no longer a { $role }.
staff-welcome = You are now a { $role } of { $programme }. Type / to see your commands, or scan a member's card with your phone camera.

flags-empty = No entries have been reported.
flags-title = <b>Entries members reported as "not me"</b>, newest first:
flags-line = • { $date }: member №{ $number }, { $sign }{ $points } { $kind }{ $reason ->
    [none] {""}
   *[other] {" "}({ $reason })
}, by { $actor }
flags-system = the system
console-button = Console
console-open = The console: the programme, staff, figures and exports.
console-off = The console is off: set CONSOLE_URL (the public HTTPS address of this bot's web server) and restart. README says how.
staff-invitation = You are invited to join { $programme } as a { $role }. Tap the button to accept.
staff-invitation-accept = Join as { $role }
staff-invitation-joined = ✅ You are now a { $role } of { $programme }.
error-invitation-unknown = This invitation link does not work. Ask the owner for a new one.
error-invitation-used = This invitation has already been used. Ask the owner for a new link.
error-invitation-expired = This invitation has expired (links work for 24 hours). Ask the owner for a new one.
