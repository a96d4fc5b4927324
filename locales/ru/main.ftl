## Common

error-generic = ⚠️ Что-то пошло не так. Попробуйте ещё раз через минуту. Если вопрос срочный — звоните на экстренную линию ближайшего загранучреждения.
error-stale-button = Эта кнопка устарела. Воспользуйтесь последним сообщением бота.
error-too-long = Слишком длинный ответ: не больше { $max } символов. Сократите, пожалуйста.
error-too-short = Слишком короткий ответ. Напишите подробнее, пожалуйста.
error-use-buttons = Пожалуйста, выберите вариант кнопкой под вопросом.
error-wrong-kind = Здесь нужен текстовый ответ. Напишите его сообщением.
error-party = Введите число от 1 до { $max }.
error-children = Введите число от 0 до { $party }.
error-phone = Не удалось распознать номер. Нажмите «Поделиться номером» или введите номер в международном формате, например +7 701 123 45 67.
error-foreign-contact = Это контакт другого человека. Поделитесь своим номером кнопкой ниже или введите его вручную.

btn-yes = Да
btn-no = Нет
btn-back = « Назад
btn-cancel = ✖ Отмена
btn-skip = Пропустить »
btn-confirm = ✅ Подтвердить
btn-edit = ✏️ Изменить
btn-menu = ☰ Главное меню

## Language and consent

choose-language = Тілді таңдаңыз / Выберите язык
language-set = Язык: русский
privacy-notice =
    🔒 <b>Персональные данные</b>
    Это бот горячей линии МИД РК для граждан Казахстана за рубежом.

    • <b>Что мы храним:</b> страну и город пребывания, ваш статус, сколько человек с вами, ФИО, телефон, какая помощь нужна, вашу заметку и историю мест, где вы были.
    • <b>Зачем:</b> чтобы загранучреждения знали, где находятся граждане, могли связаться с вами и помочь, в том числе при эвакуации.
    • <b>Кто видит:</b> только уполномоченные сотрудники МИД РК и загранучреждений.
    • <b>Как удалить:</b> в любой момент — кнопка «Удалить мои данные» или команда /delete.

    Нажимая «Согласен», вы даёте согласие на сбор и обработку персональных данных.
btn-consent-yes = ✅ Согласен
btn-consent-no = Не согласен
consent-thanks = Спасибо. Согласие сохранено.
consent-declined =
    Без согласия мы не можем сохранить ваши данные, поэтому регистрация недоступна.
    Если передумаете — нажмите «Согласен». При угрозе жизни обращайтесь в местные экстренные службы.

## Main menu

menu-greeting = 🇰🇿 Горячая линия МИД РК для граждан за рубежом. Чем можем помочь?
menu-title = ☰ Главное меню
btn-register = 📝 Зарегистрироваться
btn-update = 📍 Обновить моё местоположение
btn-my = 📋 Моя регистрация
btn-faq = ❓ Частые вопросы
btn-hotline = 💬 Написать на горячую линию
btn-language = 🌐 Тіл / Язык
btn-delete = 🗑 Удалить мои данные
help =
    <b>Что умеет бот</b>
    /register — зарегистрироваться или обновить, где вы находитесь
    /my — посмотреть и изменить регистрацию
    /menu — главное меню
    /language — сменить язык
    /delete — удалить все мои данные
    /cancel — прервать текущий шаг

    Регистрация помогает загранучреждению знать, где вы, и связаться с вами в экстренной ситуации.
edit-ignored = Исправленное сообщение бот не учитывает. Отправьте, пожалуйста, новое сообщение.
nothing-to-cancel = Сейчас нечего отменять.
unknown-command = Неизвестная команда. Список команд — /help.
unsupported-message = Такое сообщение бот пока не принимает. Выберите действие в меню.

cmd-start = Начать
cmd-menu = Главное меню
cmd-register = Регистрация / обновить место
cmd-my = Моя регистрация
cmd-language = Сменить язык
cmd-help = Помощь
cmd-cancel = Отменить текущий шаг
cmd-delete = Удалить мои данные

## Registration

reg-intro = 📝 Регистрация займёт пару минут. Отменить можно в любой момент: /cancel.
reg-update-intro = 📍 Укажите, где вы сейчас. Остальные данные покажем перед сохранением.
reg-in-progress = Вы сейчас проходите регистрацию. Ответьте на вопрос ниже или отмените: /cancel.
reg-left = Регистрация прервана, ничего не сохранено.
reg-ask-country = 🌍 В какой стране вы сейчас? Выберите страну или напишите её название.
reg-ask-location = Или отправьте геопозицию — мы определим страну и город без интернета.
btn-share-location = 📍 Отправить геопозицию
reg-location-received = Геопозиция получена.
reg-location-unknown = Не удалось определить страну по этой точке: похоже, это море или место вдали от городов. Выберите страну кнопкой или напишите название.
reg-gps-found = 📍 Вы находитесь здесь: { $country }, { $city } (ближайший город на карте). Верно?
reg-country-set = Страна: { $country }
reg-country-not-found = Не нашли такую страну. Проверьте название или выберите кнопкой выше.
reg-country-choices = Уточните, какую страну вы имели в виду:
reg-ask-city = 🏙 Город или место (например, аэропорт или пункт пропуска):
reg-ask-status = Ваш статус сейчас:
status-resident = 🏠 Постоянно проживаю
status-tourist = 🧳 Турист, краткая поездка
status-transit = 🔄 В транзите
status-stuck = ✈️ Застрял(а) в аэропорту / транзитной зоне
status-other = Другое
reg-ask-party = 👥 Сколько вас? Считайте и себя. Выберите или введите число до { $max }.
reg-ask-children = Из { $party ->
        [one] { $party } человека
       *[other] { $party } человек
    } сколько детей (до 18 лет)?
reg-ask-name = 👤 ФИО как в паспорте:
btn-use-name = Использовать «{ $name }»
reg-ask-phone = 📱 Номер телефона для связи: нажмите кнопку ниже или введите номер в международном формате.
btn-share-contact = 📱 Поделиться номером
reg-phone-accepted = Номер принят: { $phone }
reg-ask-needs = Какая помощь вам нужна?
needs-none = Помощь не нужна
needs-consular = Консульская помощь
needs-accommodation = Временное размещение
needs-evacuation = Эвакуация / возвращение на родину
reg-ask-note = ✍️ Что ещё важно знать консулу? (до { $max } символов) Или нажмите «Пропустить».
reg-ask-edit = Что изменить?
field-country = Страна
field-city = Город
field-status = Статус
field-party = Сколько человек
field-name = ФИО
field-phone = Телефон
field-needs = Помощь
field-note = Заметка
reg-card =
    <b>Страна:</b> { $country }
    <b>Город / место:</b> { $city }
    <b>Статус:</b> { $status }
    <b>Человек:</b> { $party }, из них детей: { $children }
    <b>ФИО:</b> { $name }
    <b>Телефон:</b> { $phone }
    <b>Нужна помощь:</b> { $needs }
    <b>Заметка:</b> { $note }
reg-card-no-note = <i>нет</i>
reg-summary =
    Проверьте данные:

    { $card }

    Всё верно?
reg-saved = ✅ Сохранено. Спасибо! Обновляйте место, когда переезжаете: /register.
reg-cancelled = Регистрация отменена, ничего не сохранено.
reg-cancelled-kept = Изменения отменены. Прежняя регистрация не изменилась.
my-none = Вы ещё не зарегистрированы.
my-registration =
    📋 <b>Моя регистрация</b>

    { $card }

    Обновлено: { $updated }
    Выберите, что изменить:

## Erasure

delete-confirm =
    🗑 <b>Удалить мои данные?</b>
    Будут удалены: регистрация, история мест, язык, согласие и незаконченные черновики. Отменить удаление будет нельзя.
btn-delete-confirm = Да, удалить всё
btn-delete-keep = Нет, оставить
delete-nothing = У нас нет ваших данных.
delete-done =
    ✅ Ваши данные удалены:
    • профиль (язык и согласие): { $profile }
    • регистрация: { $registration }
    • записи истории мест: { $places }
    • черновики: { $drafts }
    Чтобы начать заново, отправьте /start.

## FAQ

cmd-faq = Частые вопросы
faq-title = ❓ <b>Частые вопросы</b>. Выберите тему или просто напишите свой вопрос.
faq-topic = <b>{ $topic }</b>
faq-answer =
    <b>{ $question }</b>

    { $answer }
btn-helpful-yes = 👍 Помогло
btn-helpful-no = 👎 Не помогло
faq-thanks = Рады, что помогло. Берегите себя.
faq-not-helped = Жаль, что ответ не помог. Напишите свой вопрос на горячую линию — вам ответит сотрудник.
faq-unsure = Возможно, вы спрашиваете об этом:
faq-no-match = Не нашли ответа на этот вопрос. Напишите его на горячую линию — вам ответит сотрудник — или посмотрите частые вопросы.
faq-choose-country = Для какой страны показать ответ?
dir-embassy = 🏛 <b>Посольство Казахстана ({ $country })</b>
dir-consulate_general = 🏛 <b>Генеральное консульство Казахстана ({ $city })</b>
dir-address = Адрес: { $value }
dir-hotline = Горячая линия: { $value }
dir-emergency = Экстренная связь: { $value }
dir-email = Эл. почта: { $value }
dir-hours = Часы работы: { $value }
dir-no-contacts = Контакты загранучреждения ({ $country }) ещё не внесены в справочник бота. Смотрите их на официальных ресурсах МИД РК.
polling-open = 🗳 Избирательный участок ({ $country }) работает.
polling-suspended = 🗳 Работа избирательного участка ({ $country }) временно приостановлена.
polling-unknown = 🗳 Официальных сведений об участке ({ $country }) в справочнике нет — уточните на ресурсах загранучреждения.
polling-note = { $note }

## Admin: content

not-available = Эта команда недоступна.
content-exported = Частые вопросы и справочник: { $entries } вопросов, { $topics } тем, { $countries } стран. Отредактируйте файл и отправьте его боту обратно.
content-rejected =
    ❌ Файл не принят, ничего не изменено:
    { $problems }
content-more-problems = …и ещё { $count }
content-no-changes = Файл совпадает с текущей версией, менять нечего.
content-summary =
    Проверьте изменения:
    • новые вопросы: { $added }
    • удалённые: { $removed }
    • изменённые: { $changed }
    • изменённых тем: { $topics }
    • страны справочника: { $countries }
    Применить?
btn-content-apply = ✅ Применить
btn-content-discard = ✖ Отменить
content-applied = ✅ Изменения применены и уже видны гражданам: { $entries } вопросов, { $topics } тем.
content-discarded = Загрузка отменена, ничего не изменено.
content-err-size = Файл больше { $max } КБ.
content-err-encoding = файл не в кодировке UTF-8
content-err-yaml = ошибка синтаксиса YAML в строке { $line }
content-err-structure = в файле нет списков topics и entries
content-err-structure-at = неверная структура: { $where }
content-err-empty = нет ни одного вопроса
content-err-missing-lang = { $where }: нет текста на языке { $lang }
content-err-html = { $where }: Telegram не примет разметку { $tag }
content-err-too-long = { $where }: длиннее { $max } символов
content-err-bad-id = { $where }: id должен состоять из латинских букв, цифр и дефисов (до 40)
content-err-duplicate-id = id { $id } встречается дважды
content-err-unknown-topic = { $where }: неизвестная тема { $topic }
content-err-country = неизвестный код страны { $code }
content-err-polling = { $code }: статус участка должен быть open, suspended или unknown, а не { $status }

## Hotline

hotline-intro = 💬 Напишите ваш вопрос — можно несколькими сообщениями, с фото, документами, голосовыми и геопозицией. Вам ответит сотрудник загранучреждения, ответ придёт сюда.
hotline-ack = ✅ Ваше обращение №{ $ticket } передано консульским сотрудникам. Ответ придёт в этот чат.
hotline-away = Сейчас нерабочее время (часы работы { $hours } по времени Астаны). Мы ответим как можно скорее. При угрозе жизни звоните в местные экстренные службы.
hotline-failed = ⚠️ Не удалось передать сообщение сотрудникам. Пожалуйста, отправьте его ещё раз через минуту.
hotline-banned = Отправка сообщений на горячую линию для вас ограничена.
hotline-unavailable = Горячая линия в боте временно недоступна. При угрозе жизни звоните в местные экстренные службы.
hotline-flood = Вы отправляете слишком много сообщений. Это сообщение не передано — подождите минуту и отправьте его снова.
hotline-closed = Обращение №{ $ticket } закрыто. Пожалуйста, оцените помощь:
hotline-rated = Спасибо за оценку! Если понадобится помощь, напишите снова через меню.
staff-card =
    📇 <b>Обращение №{ $ticket }</b>
    👤 { $name }
    🌍 { $country }, { $city }
    Статус: { $status }
    Человек: { $party }, детей: { $children }
    Нужна помощь: { $needs }
    📱 { $phone }
    Язык: { $lang } · регистрация обновлена { $updated }
staff-card-unregistered =
    📇 <b>Обращение №{ $ticket }</b>
    👤 { $name } (не зарегистрирован в боте)
    Язык: { $lang }
staff-topic-recreated = ♻️ Тема обращения №{ $ticket } была удалена и создана заново.
staff-ticket-closed-no-send = Обращение №{ $ticket } закрыто, сообщение не отправлено. Отправьте /reopen, чтобы продолжить.
staff-undelivered-blocked = ⚠️ Не доставлено: гражданин заблокировал бота.
staff-undelivered = ⚠️ Не доставлено гражданину. Попробуйте ещё раз.
staff-citizen-edited = ✏️ Гражданин исправил сообщение: { $text }
staff-edit-not-carried = ✏️ Это изменение не перенесено гражданину; отправьте исправление новым сообщением.
staff-closed = Обращение №{ $ticket } закрыто; гражданина попросили оценить помощь.
staff-already = Обращение №{ $ticket } уже закрыто.
staff-reopened = Обращение №{ $ticket } снова открыто.
staff-cannot-reopen = Обращение №{ $ticket } нельзя открыть: оно открыто или у гражданина есть другое открытое обращение.
staff-ban-usage = Укажите причину: /ban причина
staff-banned = Гражданин (обращение №{ $ticket }) заблокирован: { $reason }
staff-unbanned = Гражданин (обращение №{ $ticket }) разблокирован.
staff-not-banned = Гражданин (обращение №{ $ticket }) не был заблокирован.
staff-faq-usage = Укажите id вопроса: /faq lost-passport (список — в файле /faq_export).
staff-faq-sent = Ответ { $entry } отправлен гражданину.
staff-queue-empty = Очередь пуста: на все обращения ответили.
staff-queue-title = <b>Ждут ответа: { $count }</b>
staff-queue-line = { $urgent }№{ $ticket } — ждёт { $minutes } мин
staff-rating = Оценка по обращению №{ $ticket }: { $rating }/5
staff-chat-broken = ⚠️ Группа сотрудников { $chat } не является форумом, или у бота нет права управлять темами. Обращения граждан не будут доставляться: включите темы в группе и дайте боту права администратора «Управление темами».
hotline-ack-emergency = Экстренная связь загранучреждения: { $phone }
route-usage = Использование: /route AE -1001234567890 — обращения из страны идут в группу миссии; /route AE off — снова в центральную группу.
route-set = Обращения граждан из { $country } теперь идут в группу { $chat }.
route-removed = Обращения граждан из { $country } снова идут в центральную группу.
route-bad-chat = Группа { $chat } недоступна: добавьте бота, включите темы и дайте ему право «Управление темами».
routes-none = Все обращения идут в центральную группу.
routes-list =
    Группы миссий:
    { $routes }

## Official notices: what citizens receive

notice-header = 📢 <b>Официальное сообщение МИД РК</b>
btn-notice-ack = ✅ Получено / я в безопасности
btn-notice-acked = ✓ Отмечено
ack-thanks = Спасибо, ваш ответ учтён.
ack-already = Ваш ответ уже учтён.
ack-preview = Это предпросмотр: у получателей кнопка будет работать.
cmd-notices = Официальные сообщения
notices-title = 📢 Последние официальные сообщения ({ $count }):
notices-empty = Для вашей страны пока нет официальных сообщений. Новые придут сюда автоматически.
notices-unregistered = Официальные сообщения приходят по стране, указанной при регистрации. Зарегистрируйтесь: /register

## Official notices: staff

cmd-broadcast = Новая рассылка
cmd-scheduled = Запланированные рассылки
btn-notice-cancel = ⏹ Остановить
btn-notice-edit = ✏️ Изменить
btn-notice-recall = 🗑 Отозвать
notice-progress =
    📤 Рассылка №{ $id }
    { $bar } { $percent }%
    Доставлено: { $sent } · ошибки: { $failed } · заблокировали бота: { $blocked } · осталось: { $left }
    Скорость: { $rate } в секунду · осталось времени: { $eta }
notice-report =
    ✅ Рассылка №{ $id } завершена.
    Получателей: { $total } · доставлено: { $sent } · ошибки: { $failed } · заблокировали бота: { $blocked }{ $ack ->
        [0] {""}
       *[other] {"\u000a"}Ответили «Получено»: { $acked }
    }{ $pending ->
        [0] {""}
       *[other] {"\u000a"}В очереди правок и удалений: { $pending }
    }
notice-report-cancelled =
    ⏹ Рассылка №{ $id } остановлена.
    Доставлено: { $sent } · не отправлено: { $cancelled } · ошибки: { $failed } · заблокировали бота: { $blocked }{ $ack ->
        [0] {""}
       *[other] {"\u000a"}Ответили «Получено»: { $acked }
    }
notice-report-recalled =
    🗑 Рассылка №{ $id } отозвана. Удалено копий: { $deleted }{ $pending ->
        [0] {""}
       *[other] , ещё в очереди: { $pending }
    }.
notice-next-run = Следующая отправка: { $when }
notice-missed = ⚠️ Рассылка №{ $id } на { $run } пропущена: бот был недоступен дольше допустимого окна. Отправьте её заново, если она ещё актуальна.
aud-all-countries = все страны
aud-any = любой
aud-describe =
    Страны: { $where }
    Статус: { $statuses }
    Нужды: { $needs }
bc-audience =
    📢 <b>Новое официальное сообщение</b>

    Кому: отметьте страны (или напишите их названия или коды ISO), при необходимости — статус и нужды. { $scope ->
        [1] Без отметки — всем странам.
       *[other] Без отметки — всем вашим странам.
    }

    { $audience }

    Получателей сейчас: <b>{ $count }</b>
btn-bc-next = Далее » ({ $count })
bc-scope-outside = Эта страна вне вашей зоны ответственности.
bc-country-unknown = Не нашёл страну «{ $text }». Напишите код ISO (например, AE) или название.
bc-ask-ru = Пришлите текст на <b>русском</b> языке. Жирный шрифт и ссылки сохранятся.
bc-ask-kk = Теперь текст на <b>казахском</b> языке. Если перевода нет, нажмите кнопку ниже — тогда всем уйдёт русский текст.
btn-bc-ru-all = Отправить всем на русском
bc-ru-all-chosen = Хорошо: получатели с казахским языком получат русский текст.
bc-ask-media = Можно приложить фото или документ (текст станет подписью, до 1024 символов). Или нажмите «Пропустить».
bc-media-kind = Здесь нужно фото или документ — или нажмите «Пропустить».
bc-caption-long = С вложением текст должен быть не длиннее { $max } символов. Пропустите вложение или начните заново с более коротким текстом.
bc-ask-ack = Добавить получателям кнопку «Получено / я в безопасности»? Ответы будут посчитаны в отчёте.
btn-bc-ack-yes = С кнопкой «Получено»
btn-bc-ack-no = Без кнопки
bc-preview = 👁 Так сообщение увидят получатели ({ $lang }):
lang-name-ru = русский
lang-name-kk = казахский
bc-ask-when = Когда отправить? Время — по Астане ({ $zone }) или местное время страны каждого получателя.
btn-bc-now = 🚀 Сейчас
btn-bc-at = 🕘 В дату и время (Астана)
btn-bc-at-local = 🕘 В дату и время (местное)
btn-bc-daily = 🔁 Ежедневно (Астана)
btn-bc-daily-local = 🔁 Ежедневно (местное)
zone-local = местное время страны получателя
bc-ask-at = Напишите дату и время ({ $zone }), например 2026-11-23 09:00 или 23.11.2026 09:00.
bc-ask-daily-time = Во сколько отправлять каждый день ({ $zone })? Например, 09:00.
bc-ask-until = До какой даты включительно? Например, 30.11.2026.
bc-bad-when = Не понял дату и время. Пример: 2026-11-23 09:00.
bc-past = Это время уже прошло. Укажите время в будущем.
bc-bad-time = Не понял время. Пример: 09:00.
bc-bad-date = Нужна дата не раньше сегодняшней и не позже чем через год, например 30.11.2026.
bc-summary =
    <b>Проверьте перед отправкой</b>

    { $audience }
    Получателей сейчас: <b>{ $count }</b>
    Когда: { $when }
    Языки: { $kk ->
        [0] только русский
       *[other] русский и казахский
    }
    Кнопка «Получено»: { $ack ->
        [0] нет
       *[other] да
    }
    Вложение: { $media ->
        [0] нет
       *[other] да
    }
bc-scheduled = 🕘 Рассылка №{ $id } запланирована, первая отправка { $when } ({ $zone }). Список: /scheduled
bc-cancelled = Черновик удалён, ничего не отправлено.
bc-text-markup = Telegram не примет такое форматирование. Пришлите текст ещё раз.
bc-text-long = Слишком длинный текст: вместе с заголовком не больше { $max } символов.
bc-text-empty = Текст пустой. Пришлите текст сообщения.
bc-wrong-kind = Здесь нужен текст сообщением или кнопка под вопросом.
bc-finish-first = Сначала завершите рассылку или отмените её: /cancel
sched-empty = Запланированных рассылок нет.
sched-item =
    🕘 №{ $id } · ближайшая отправка { $when } ({ $zone })
    { $schedule }
    { $audience }
    «{ $text }»
sched-now = сейчас
sched-at = { $when } ({ $zone })
sched-daily = ежедневно в { $at } ({ $zone }) до { $until }
nt-not-active = Эта рассылка уже завершена или отозвана.
nt-cancelled = ⏹ Рассылка №{ $id } остановлена. Не отправлено: { $count }.
nt-recall-ask = Отозвать рассылку №{ $id }? Доставленные копии ({ $count }) будут удалены у получателей.
nt-recalled = 🗑 Рассылка №{ $id } отзывается: удаляем копий: { $count }.
nt-edit-ask-ru = Изменение рассылки №{ $id }. Пришлите новый текст на <b>русском</b> языке.
nt-edit-confirm = Заменить текст рассылки №{ $id } в доставленных копиях ({ $count })?
nt-edited = ✏️ Рассылка №{ $id } изменена: правим копий: { $count }.

## Staff roles

cmd-staff = Сотрудники и роли
cmd-grant = Выдать роль
cmd-revoke = Отозвать роль
cmd-routes = Группы миссий
cmd-faq_export = Выгрузить FAQ
role-staff = сотрудник
role-admin = администратор
scope-all = все страны
grant-usage = Формат: /grant &lt;id пользователя&gt; staff AE,QA — или /grant &lt;id&gt; admin
grant-bad-countries = Укажите коды стран ISO через запятую, например AE,QA.
grant-bootstrap = Этот администратор задан в ADMIN_IDS; его роль меняется только в настройках.
grant-you = Вам выдана роль: { $role } ({ $scope }). Команды сотрудника — в меню «/».
grant-done = ✅ { $user }: { $role } ({ $scope }).{ $told ->
        [1] {""}
       *[other] { " " }Пользователь ещё не открывал бота: меню сотрудника появится после его /start.
    }
revoke-usage = Формат: /revoke &lt;id пользователя&gt;
revoke-none = У пользователя { $user } нет роли.
revoke-done = Роль пользователя { $user } отозвана.
staff-list =
    <b>Сотрудники</b> (⚙ — из ADMIN_IDS):
    { $lines }

## Statistics, exports, audit

cmd-stats = Статистика по странам
cmd-export = Выгрузка списков (CSV, XLSX)
cmd-audit = Журнал действий
stats-empty = В вашей зоне пока нет зарегистрированных граждан.
stats-country =
    📊 <b>{ $country }</b>
    Зарегистрировано: <b>{ $registered }</b> (людей с учётом семей: { $people })
    { $statuses }
    Нужна помощь: { $help } · эвакуация: { $evacuation }
    Новые за 24 часа: { $new } · не обновлялись { $days }+ дней: { $stale }
stats-table =
    📊 <b>Граждане по странам</b>
    { $table }
    Рег. — регистрации, Люди — с учётом семей, Пом. — нужна помощь, Эвак. — эвакуация, Нов. — за 24 часа, Уст. — не обновлялись { $days }+ дней.
stats-col-reg = Рег.
stats-col-people = Люди
stats-col-help = Пом.
stats-col-evac = Эвак.
stats-col-new = Нов.
stats-col-stale = Уст.
stats-chart-title = Зарегистрированные граждане по статусу
export-usage = Не понял «{ $word }». Формат: /export [коды стран] [статус: resident, tourist, transit, stuck, other] [нужды: none, consular, accommodation, evacuation], например /export AE QA stuck evacuation
export-done = 📄 Выгрузка: строк — { $rows }. Файлы содержат персональные данные: храните и передавайте их только по служебным каналам.
export-sheet = Список
export-col-full_name = ФИО
export-col-phone = Телефон
export-col-party_size = Людей
export-col-children = Детей
export-col-country = Страна
export-col-city = Город
export-col-status = Статус
export-col-needs = Нужды
export-col-note = Примечание
export-col-updated_at = Обновлено (UTC)
audit-empty = Журнал пуст.
audit-list =
    <b>Последние действия</b> (время, кто, что):
    { $lines }

## Safety checks and register freshness

cmd-safety = Проверка «Вы в безопасности?»
safety-usage = Формат: /safety &lt;страна&gt; [город], например /safety AE Дубай
safety-nobody = Там нет зарегистрированных граждан, которых можно спросить.
safety-confirm = Спросить «Вы в безопасности?» у граждан ({ $count }) в месте: { $place }?
safety-question = 🆘 <b>МИД РК: вы в безопасности?</b>{ "\u000a" }Вы зарегистрированы в месте: { $place }. Ответьте, пожалуйста, одной кнопкой.
btn-safe = ✅ Я в безопасности
btn-need-help = 🆘 Мне нужна помощь
safety-progress =
    🆘 Проверка безопасности №{ $id }
    Спрошено: { $sent } из { $total } · осталось отправить: { $left } · недоступны: { $blocked }
    ✅ В безопасности: { $safe }
    🆘 Нужна помощь: { $help }
    … Пока не ответили: { $silent }
answer-safe-short = В безопасности
answer-help-short = Нужна помощь
answer-here-short = Я всё ещё здесь
answer-moved-short = Я переехал(а)
answer-home-short = Я вернулся(-ась) домой
safety-thanks = Спасибо! Берегите себя. Если ситуация изменится, напишите на горячую линию.
safety-help-taken = 🆘 Ваш запрос передан консульским сотрудникам как срочный. Напишите здесь, что случилось и где вы сейчас, — сообщение сразу уйдёт им.
safety-help-flagged = 🆘 Ваш запрос о помощи отмечен в регистрации как срочный; консульские сотрудники свяжутся с вами по указанному телефону.
staff-safety-help = 🆘 <b>СРОЧНО:</b> гражданин ответил «Мне нужна помощь» на проверку безопасности (обращение №{ $ticket }).
fresh-question = 📍 Вы всё ещё здесь: { $place }? Ответьте одной кнопкой — так мы держим списки граждан за рубежом в актуальном состоянии.
btn-still-here = 📍 Да, я всё ещё здесь
btn-moved = 🔄 Я переехал(а)
btn-home = 🏠 Я вернулся(-ась) домой
fresh-here-thanks = Спасибо! Отметили, что вы на прежнем месте.
fresh-home-thanks = С возвращением домой! Регистрация закрыта и сохранена в истории; если снова поедете за рубеж, зарегистрируйтесь заново: /register
stats-safety = 🆘 Последняя проверка безопасности: в безопасности { $safe } · нужна помощь { $help } · не ответили { $silent }

## Hotline team tools: claim and assign, reply templates, response-time alarms, hotline statistics, the FAQ report

cmd-mine = Мои обращения
cmd-faq_report = Чего не знает FAQ
cmd-templates_export = Выгрузить шаблоны ответов
desk-btn-take = 🙋 Взять обращение
desk-card-owner = 👤 Ведёт: { $officer }
desk-dur-minutes = { $minutes } мин
desk-dur-hours = { $hours } ч { $minutes } мин
desk-dur-days = { $days } д { $hours } ч
desk-urgent = срочно
desk-wait = ждёт { $wait }
desk-answered = ответ дан, ждём гражданина
desk-owner = 👤 { $officer }
desk-owner-none = 👤 никто не взял
desk-owner-admins = 👤 никто не взял — { $admins }
desk-closed = Обращение №{ $ticket } закрыто: взять или передать его нельзя.
desk-outside = Гражданин по обращению №{ $ticket } зарегистрирован в стране вне вашей зоны ответственности.
desk-yours-already = Обращение №{ $ticket } уже ведёте вы.
desk-held = Обращение №{ $ticket } ведёт { $officer }. Передать его: /assign, освободить: /release.
desk-taken = 👤 { $officer } взял(а) обращение №{ $ticket }.
desk-assign-usage = Кому передать? /assign @имя_сотрудника, /assign id или ответьте командой /assign на сообщение сотрудника.
desk-assign-unknown = Бот не знает сотрудника { $username }: он ещё ничего не писал ни боту, ни в группе. Укажите его id или ответьте командой /assign на его сообщение.
desk-assign-not-staff = { $officer } не сотрудник горячей линии. Роль выдаёт администратор: /grant.
desk-assign-outside = { $officer } не работает со страной этого гражданина.
desk-assigned = 👤 Обращение №{ $ticket } передано: { $officer } (передал(а) { $by }).
desk-assigned-you = 👤 Вам передано обращение { $ticket } (передал(а) { $by }). Все ваши обращения: /mine
desk-release-none = Обращение №{ $ticket } никто не ведёт.
desk-release-not-yours = Обращение ведёт { $officer }: освободить его может только он(а) или администратор.
desk-released = 👤 { $officer } освободил(а) обращение №{ $ticket }: его может взять любой сотрудник.
desk-mine-none = У вас нет открытых обращений.
desk-mine-title = <b>Ваши открытые обращения: { $count }</b>
desk-alarm-topic = ⏰ Гражданин ждёт ответа уже { $wait } (порог — { $limit }). { $who }
desk-alarm-summary = ⏰ <b>Ждут ответа дольше порога: { $count }</b>
desk-idle-citizen = Обращение №{ $ticket } закрыто: в нём не было сообщений { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    }. Если вопрос остался, просто напишите сюда — обращение откроется снова.
desk-idle-topic = 💤 Обращение №{ $ticket } закрыто автоматически: { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    } без сообщений. Если гражданин напишет снова, оно откроется в этой же теме.
tpl-name-fallback = уважаемый гражданин
tpl-pick = 📋 Шаблоны ответа. Выберите шаблон, чтобы увидеть его таким, каким его получит гражданин:
tpl-unknown = Шаблона «{ $name }» нет. Есть: { $names }. Список с предпросмотром: /t
tpl-preview = 📋 Предпросмотр «{ $name }» (язык гражданина: { $lang }):
tpl-btn-send = ✅ Отправить
tpl-sent = 📋 Гражданину отправлен шаблон «{ $name }» (язык: { $lang }):
tpl-sent-short = Отправлено
tpl-already-sent = Этот шаблон уже отправлен.
tpl-exported = Шаблоны ответов: { $count }. Отредактируйте файл и отправьте его боту обратно; имя файла должно начинаться с <code>templates</code>. Подстановки: { $p_name } — имя гражданина, { $p_ticket } — номер обращения, { $p_contacts } — контакты загранучреждения.
tpl-rejected =
    ❌ Файл шаблонов не принят, ничего не изменено:
    { $problems }
tpl-summary =
    Шаблоны ответов после загрузки:
    • новые: { $added }
    • удалённые: { $removed }
    • изменённые: { $changed }
    Применить?
tpl-applied = ✅ Шаблоны обновлены: { $count }. Они уже доступны в темах через /t.
tpl-err-size = файл больше { $max } КБ
tpl-err-alias = в файле есть ссылки YAML (&якорь, *ссылка); напишите каждый шаблон полностью
tpl-err-yaml = ошибка YAML в строке { $line }
tpl-err-structure = нет списка templates
tpl-err-empty = в файле нет ни одного шаблона
tpl-err-too-many = шаблонов больше { $max }
tpl-err-bad-name = { $where }: имя из строчных латинских букв, цифр и дефисов, до 32 символов
tpl-err-duplicate = имя «{ $name }» встречается дважды
tpl-err-missing-lang = «{ $name }»: нет текста на языке { $lang }
tpl-err-too-long = «{ $name }» ({ $lang }): текст длиннее { $max } символов
tpl-err-placeholder = «{ $name }» ({ $lang }): неизвестная подстановка { $placeholder }; можно { $allowed }
desk-stats =
    📞 <b>Горячая линия за { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    }</b> ({ $first }–{ $last }; страны: { $scope })
    Открыто обращений: { $opened } · закрыто: { $closed }
    Ждут ответа сейчас: { $waiting } (срочных: { $urgent }, дольше порога: { $overdue })
    Первый ответ: { $response }
    До закрытия: { $to_close }
    Оценки: { $rating }
    { $table }
    <b>Сотрудники</b>
    { $officers }
desk-stats-spread = медиана { $p50 }, 90 % — не дольше { $p90 } (обращений: { $count })
desk-stats-none = нет данных
desk-stats-rating-value = { $average } из 5 (оценок: { $count })
desk-stats-officer = { $officer }: ведёт { $holding } · закрыто { $closed } · первый ответ { $response } · оценки { $rating }
desk-stats-no-officers = Обращения ещё никто не брал.
desk-stats-col-day = Дата
desk-stats-col-opened = Откр.
desk-stats-col-closed = Закр.
desk-stats-scope-all = все
desk-stats-chart-title = Обращения на горячую линию по дням
desk-stats-usage = Не понял «{ $word }». Формат: /stats hotline [дней, до { $max }] [страна], например /stats hotline 30 AE
faqr-usage = Формат: /faq_report [дней, до { $max }], например /faq_report 7
faqr-empty = За { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    } не было ни оценок «Не помогло», ни вопросов без ответа.
faqr-report =
    📚 <b>Чего не знает FAQ</b> — за { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    }
    <b>Ответы с наибольшим числом «Не помогло»</b>
    { $entries }
    <b>Вопросы без уверенного ответа</b>: { $total }, групп похожих: { $kinds }
    { $groups }
    Номера, имена, ссылки и адреса из вопросов удалены до сохранения.
faqr-entry = • { $entry } «{ $question }»: не помогло { $no }, помогло { $yes }
faqr-entry-gone = вопрос удалён из FAQ
faqr-group = • { $count } × «{ $text }» (формулировок: { $variants })
faqr-none = —
faqr-col-count = Сколько раз
faqr-col-question = Как спрашивали
faqr-col-variants = Формулировок
faqr-file = Все группы вопросов без ответа ({ $kinds }) — в файле.
