## Personal offers, coupons, collections and badges; the analytics part of the staff value card.

offers-title = 🎁 <b>Picked for you</b>
offers-none = 🎁 Nothing to offer you right now. Come by: every visit tells us more about what you like.
offer-title = <b>{ $title }</b>
offer-description = { $text }
offer-why = <i>Why you: { $reason }</i>
offer-cost = Costs { points }{ $mode ->
    [reserve] {" "}(given back if the coupon expires unused)
   *[spend] {""}
}.
offer-coupon-live = Your coupon: <code>{ $code }</code>, valid until { $date }.
offer-activate = Activate: { $title }
offer-show-coupon = Show my coupon: { $title }
coupons-title = 🎟 <b>Your coupons</b>
coupon-held = { $title }:
collection-progress = 🧩 { $title }: { $done } of { $total }
badges-list = 🏅 Your badges: { $badges }
badges-none = 🏅 No badges yet: complete a collection to earn one.

coupon-caption = 🎟 <b>{ $title }</b>
    Coupon <code>{ $code }</code>: show this at the till.
coupon-until = Valid until { $date }, once.
coupon-points = { points } { $mode ->
    [reserve] reserved: you get them back if the coupon expires unused.
   *[spend] spent.
}

reason-birthday = it is your birthday week. Happy birthday!
reason-missed = we have not seen you for { $number ->
    [one] a day
   *[other] { $number } days
}, and we would love to.
reason-collection = you have already tried { $number } of { $total }.
reason-rhythm = you come for { $category } { $when }.
reason-favourite = { $category } is what you choose most often.
reason-points = you have { $number } points; this takes { $total }.
reason-tier = it is for { $tier } members like you.
reason-visits = you have been with us { $number ->
    [one] once
   *[other] { $number } times
} already.
reason-first = it is a nice way to start: your first purchase is still ahead.

rhythm-weekdays-morning = on weekday mornings
rhythm-weekdays-midday = at lunchtime on weekdays
rhythm-weekdays-afternoon = on weekday afternoons
rhythm-weekdays-evening = on weekday evenings
rhythm-weekdays-any = on weekdays
rhythm-weekends-morning = on weekend mornings
rhythm-weekends-midday = at lunchtime at weekends
rhythm-weekends-afternoon = on weekend afternoons
rhythm-weekends-evening = on weekend evenings
rhythm-weekends-any = at weekends
rhythm-any-morning = in the mornings
rhythm-any-midday = at lunchtime
rhythm-any-afternoon = in the afternoons
rhythm-any-evening = in the evenings

kind-coupon = Coupon
kind-birthday = Birthday gift
kind-collection = Collection completed

coupon-redeemed = ✅ Coupon <code>{ $code }</code> used: <b>{ $title }</b> for member №{ $number }.
coupon-redeemed-discount = Take { $percent }% off this order.
coupon-redeemed-birthday = { points } birthday points added to the member's balance.
coupon-redeemed-for-member = 🎟 Your coupon <code>{ $code }</code> ({ $title }) was used. Enjoy!

error-offer-unknown = There is no offer "{ $offer }". Open /offers to see yours.
error-offer-unavailable = This offer is not open to you right now. Open /offers to see the ones that are.
error-offer-limit = You have used this offer { $limit ->
    [one] once already, which is its limit
   *[other] { $limit } times already, which is its limit
}. Open /offers for others.
error-coupon-unknown = "{ $code }" is not a coupon code. Codes look like K7MX-2QPA: ask the member to open the coupon again.
error-coupon-used = Coupon { $code } was already used on { $date }. A coupon works once.
error-coupon-expired = Coupon { $code } expired on { $date }. The member can see their current offers in /offers.
error-coupon-foreign = Coupon { $code } belongs to another member, not to member №{ $member }. Ask for their own coupon.

insight-none = 📊 No analytics yet: they appear after the first purchase or the nightly run.
insight-segment = 📊 Segment: <b>{ $segment }</b> · R{ $r } F{ $f } M{ $m }
insight-rhythm = 🕒 Usually: { $days }; { $hours } h
insight-favourites = ❤️ Favourites: { $categories }
insight-next-visit = 📅 Expected next visit: { $date }
insight-discounts = 🏷 Discount dependency: { $percent }% of redeemed coupons were discounts
insight-best-offer = 🎁 Best offer to send: { $title }
insight-coupon = 🎟 Coupon <code>{ $code }</code>: { $title }, until { $date }

segment-champions = champions
segment-loyal = loyal
segment-promising = promising
segment-new = new
segment-at_risk = at risk
segment-hibernating = hibernating
segment-lost = lost
weekday-0 = Mon
weekday-1 = Tue
weekday-2 = Wed
weekday-3 = Thu
weekday-4 = Fri
weekday-5 = Sat
weekday-6 = Sun
