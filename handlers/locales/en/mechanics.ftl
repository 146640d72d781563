## The till's mechanics: points that pay part of a bill, stamp cards, earning promotions.

error-bad-pay = "{ $given }" is not something points can pay. Type pay= and a number of points, like pay=150, or pay=max for the most this bill allows.
error-cannot-pay = { $reason ->
    [off] Points do not pay bills in this programme. Record the sale without pay=.
    [balance] The member has { $balance } points, not { $asked }. Type pay={ $allowed } or pay=max.
    [share] Points may pay at most { $share }% of this bill: { $allowed } points, not { $asked }. Type pay={ $allowed } or pay=max.
   *[nothing] The member has no points that can pay this bill (balance: { $balance }). Record the sale without pay=.
}
error-bad-quantity = "{ $given }" is not a number of items. Type x and the number, from x1 to x{ $max }: x2 adds two stamps. Leave it out for one item.

sale-more-usage = Add pay=150 (or pay=max) to pay part of the bill with points, and x2 for two items on a stamp card: /sale 104-1 450 coffee x2 pay=max
pay-quote = 💳 Member №{ $number } pays <b>{ points }</b> towards { $amount } { $currency }{ $receipt ->
    [none] {""}
   *[other] {" "}(receipt #{ $receipt })
}.
    The points cover <b>{ $covered } { $currency }</b>; <b>{ $remaining } { $currency }</b> remains to pay in money.
    Confirm once the rest is paid.
pay-confirm = ✅ Confirm
pay-cancel = ✖ Cancel
pay-cancelled = Cancelled: nothing was recorded.
pay-stale = This confirmation is no longer open. Type the sale again.
panel-pay = 💳 Pay with points
panel-ask-pay = Amount of the bill for member №{ $number }: points pay up to { $share }% of it. For example { $example }. You may add a category, #receipt, x2, and pay=150 to use fewer points than the most.
sale-reward = 🎁 Card complete: coupon { $code } ({ $title }) issued to the member.
refund-returned = { points } that paid for it given back.
refund-stamps-withdrawn = The unused reward coupon this sale completed was withdrawn.

till-paid = 💳 { points } paid { $covered } { $currency }; { $remaining } { $currency } paid in money.
till-worth = Worth { $amount } { $currency } at the till.
till-stamps = { $symbol } { $have } of { $total } · { $reward }
till-reward = 🎁 Card complete! Your coupon <b>{ $code }</b>: { $title }. Show it at the till.
till-promotion = 🔥 { $title }{ $kind ->
    [none] {""}
   *[other] {" "}until { $until }
}
till-returned = ↩️ { points } that paid for this purchase are back.
till-withdrawn = The reward coupon this purchase completed was withdrawn.
till-until-mon = Monday
till-until-tue = Tuesday
till-until-wed = Wednesday
till-until-thu = Thursday
till-until-fri = Friday
till-until-sat = Saturday
till-until-sun = Sunday

kind-pay = Paid at the till
