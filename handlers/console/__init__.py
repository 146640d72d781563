"""The owner's console: the JSON API behind the Mini App, as aiohttp views (parse, call the domain, render JSON),
and the page's static files. `routes` lists every route; `bot.console` serves them."""
