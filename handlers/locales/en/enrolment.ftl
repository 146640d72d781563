## Joining, the card and the balance.

consent-summary =
    <b>Welcome to { $programme }!</b>

    Join our loyalty programme to earn points on every purchase, get offers picked for you and { $welcome } points as a welcome gift.

    <b>What we keep:</b> your Telegram name, your purchases and points, and your phone number if you choose to share it.
    <b>What for:</b> to run your card and points. Promotional messages only if you say yes in the next step.
    <b>Your control:</b> /mydata sends you everything we keep, /forget deletes it, /stop ends promotional messages.

    Do you agree to these terms?
consent-agree = ✅ I agree
consent-decline = No, thanks
consent-declined = No problem: nothing about you was stored. If you change your mind, tap /start.
welcome =
    🎉 Welcome, { $name }! Your member number is <b>{ $number }</b>.
    { $points ->
        [0] Show your card with /card at the till to earn points.
       *[other] We have added { $points } welcome points to your balance.
    }
referral-invalid = The invitation link you used is not valid, so no friend bonus this time, but you are in.
referral-link-invalid = This invitation link is not valid. You can still join below, just without the friend bonus.
marketing-question = May we send you personal offers and news now and then? You can change this any time in /settings or stop with /stop.
marketing-yes = Yes, please
marketing-no = No, thanks
marketing-yes-done = Great: you will get offers made for you, at most a few a week.
marketing-no-done = Understood: no promotional messages. You will still be told about your points.
phone-question = Share your phone number so that the cashier can find you by phone when you forget your card. This is optional.
phone-share = 📱 Share my phone
phone-skip = Skip
phone-saved = Thank you, your phone number is saved. Here is your menu.
phone-skipped = Fine, no phone number. Here is your menu: show your card with 💳 Card at the till.
start-returning = Welcome back, { $name }! You have { points }.

card-caption =
    💳 Member <b>№{ $number }</b> · { points }
    Show this code at the till. It is valid for { $minutes } minutes; open /card again for a fresh one.
card-own-scanned = This is your own card. Show it to the cashier at the till.
card-not-yours = This is not your card. Every member has their own: tap /card to see yours.

balance-points = ⭐ You have <b>{ points }</b>.
balance-tier = Tier: <b>{ $tier }</b>
balance-next-tier = Spend { $amount } { $currency } more to reach { $tier }.
balance-top-tier = You are at the top tier. Thank you!
balance-next-expiry = Next to expire: { points } on { $date }.
