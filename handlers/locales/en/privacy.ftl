## The member's rights over their data: new terms, /stop, /mydata, /forget.

terms-updated =
    <b>{ $programme } has updated its terms</b> (version { $version }).

    <b>What we keep:</b> your Telegram name, your purchases and points, your phone number and birthday if you gave them.
    <b>What for:</b> to run your card and points. Promotional messages only if you said yes to them.
    <b>Your control:</b> /mydata sends you everything we keep, /forget deletes it, /stop ends promotional messages. These work even if you do not agree.

    Please agree to the new terms to keep using your card.
terms-agree = ✅ I agree
terms-decline = Not now
terms-accepted = Thank you: you agreed to the new terms.
terms-declined = Understood. Your points are kept, but the card works only after you agree: send any message to see the terms again. /mydata and /forget are always available.
terms-menu = Here is your menu.

stop-done = Done: no more promotional messages. You will still be told about your points. To turn offers back on, open /settings.
stop-already = Promotional messages are already off. To turn them back on, open /settings.

mydata-caption = Everything we keep about you, as a JSON file: profile, consents, points history, purchases, coupons, messages and analytics. If you delete your data with /forget, we keep only a one-way keyed hash of your Telegram id, so that the welcome bonus is not paid twice ("erased_before" says whether we keep one for you now).
mydata-filename = my-data-{ $number }.json

forget-question =
    <b>Delete your personal data?</b>

    Your name, username, phone number, birthday, interests and Telegram account will be erased{ $points ->
        [0] .
       *[other] , and your { points } will be lost.
    } Purchases stay in the shop's accounts without your name.
    We keep only a one-way keyed hash of your Telegram id, used for nothing but to not pay the welcome bonus twice.
    This cannot be undone. You may join again later as a new member, without a second welcome bonus.
forget-yes = 🗑 Yes, delete my data
forget-no = No, keep my membership
forget-kept = Nothing was deleted: you are still a member.
forget-done = Your personal data has been deleted. Goodbye!
forget-rejoin = If you want to come back, tap /start to join as a new member.

